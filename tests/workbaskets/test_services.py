import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from intake.models import ArrearsCase, ArrearsReport, Result
from tenancy.models import PartnerType
from tests.tenancy.factories import MembershipFactory, MunicipalityFactory, SupplierFactory
from tests.workbaskets.factories import (
    ArrearsCaseFactory,
    ArrearsReportFactory,
    DebtorFactory,
    DebtorSnapshotFactory,
    SignalFactory,
)
from workbaskets import routing, services
from workbaskets.models import ContactAttempt, WorkBasket, WorkItem, WorkItemEvent

TODAY = datetime.date(2026, 11, 20)
pytestmark = pytest.mark.django_db


@pytest.fixture
def municipality():
    municipality = MunicipalityFactory()
    services.create_default_baskets(municipality=municipality)
    return municipality


def basket_names(municipality):
    return dict(WorkBasket.objects.for_municipality(municipality).values_list("pk", "name"))


def test_default_baskets_are_created_once_in_order(municipality):
    services.create_default_baskets(municipality=municipality)

    assert list(WorkBasket.objects.for_municipality(municipality).values_list("position", "name")) == [
        (1, "Crisis"),
        (2, "Jongeren"),
        (3, "Meervoudig of hoog bedrag"),
        (4, "Enkelvoudig"),
        (5, "Eerst hulp"),
        (6, "Aflossing herberekenen"),
        (7, "Inkomen gevonden"),
        (8, "Vermogen en voertuig"),
        (9, "Overig"),
    ]
    assert WorkBasket.objects.get(municipality=municipality, name="Crisis").treatment_path == [
        {"action": "Huisbezoek", "label": "Huisbezoek", "term_days": 3, "working_days": True}
    ]


def test_all_open_signals_of_one_person_form_one_item(municipality):
    debtor = DebtorFactory(municipality=municipality)
    DebtorSnapshotFactory(debtor=debtor, district="Oost", claim_amount=Decimal("2500.00"))
    rise = SignalFactory(debtor=debtor, type="INCOME_RISE")
    vehicle = SignalFactory(
        debtor=debtor, type="VEHICLE", evidence_key="AB-12-CD", evidence={"plate": "AB-12-CD"}
    )

    result = services.route_new_work(municipality=municipality, today=TODAY)

    item = WorkItem.objects.get(municipality=municipality)
    assert (result.created, result.rerouted, result.flagged) == (1, 0, 0)
    assert set(item.signals.all()) == {rise, vehicle}
    assert item.basket.name == "Aflossing herberekenen"
    assert (item.person_ref, item.district, item.amount, item.signal_types) == (
        debtor.debtor_ref,
        "Oost",
        Decimal("2500.00"),
        "|INCOME_RISE|VEHICLE|",
    )
    assert item.routing["matched"] == [
        {"field": "signal_types", "operator": "contains any", "value": ["INCOME_RISE"]}
    ]
    assert item.due_date == TODAY + datetime.timedelta(days=28)
    assert list(item.events.values_list("kind", flat=True)) == ["routed"]


def test_routing_twice_creates_nothing_new(municipality):
    SignalFactory(debtor=DebtorFactory(municipality=municipality))
    services.route_new_work(municipality=municipality, today=TODAY)

    result = services.route_new_work(municipality=municipality, today=TODAY)

    assert (result.created, WorkItem.objects.count()) == (0, 1)


def test_new_signal_reroutes_an_unstarted_item(municipality):
    debtor = DebtorFactory(municipality=municipality)
    DebtorSnapshotFactory(debtor=debtor)
    SignalFactory(debtor=debtor, type="ASSETS")
    services.route_new_work(municipality=municipality, today=TODAY)
    SignalFactory(debtor=debtor, type="INCOME_RISE", period=datetime.date(2026, 11, 1))

    result = services.route_new_work(municipality=municipality, today=TODAY)

    item = WorkItem.objects.get(municipality=municipality)
    assert (result.created, result.rerouted, result.flagged) == (0, 1, 0)
    assert item.basket.name == "Aflossing herberekenen"
    assert item.signals.count() == 2
    assert item.has_new_signals is False
    assert list(item.events.values_list("kind", flat=True)) == ["routed", "rerouted"]


def test_new_signal_on_a_started_item_is_flagged_and_stays(municipality):
    debtor = DebtorFactory(municipality=municipality)
    SignalFactory(debtor=debtor, type="ASSETS")
    services.route_new_work(municipality=municipality, today=TODAY)
    item = WorkItem.objects.get()
    consultant = MembershipFactory(municipality=municipality).user
    services.assign_items(items=[item], assignee=consultant, by=consultant)
    SignalFactory(debtor=debtor, type="INCOME_RISE", period=datetime.date(2026, 11, 1))

    result = services.route_new_work(municipality=municipality, today=TODAY)

    item.refresh_from_db()
    assert (result.created, result.rerouted, result.flagged) == (0, 0, 1)
    assert item.basket.name == "Vermogen en voertuig"
    assert item.has_new_signals is True
    assert item.signal_types == "|ASSETS|INCOME_RISE|"
    assert item.signals.count() == 2


def test_closed_item_does_not_take_new_signals(municipality):
    debtor = DebtorFactory(municipality=municipality)
    SignalFactory(debtor=debtor, type="ASSETS")
    services.route_new_work(municipality=municipality, today=TODAY)
    first = WorkItem.objects.get()
    services.close_item(item=first, outcome="no_change", by=None)
    SignalFactory(debtor=debtor, type="VEHICLE", evidence_key="X")

    services.route_new_work(municipality=municipality, today=TODAY)

    assert WorkItem.objects.filter(debtor=debtor).count() == 2
    assert first.signals.count() == 1


def test_open_arrears_sends_a_debtor_signal_to_eerst_hulp(municipality):
    debtor = DebtorFactory(municipality=municipality)
    ArrearsCaseFactory(municipality=municipality, debtor=debtor)
    SignalFactory(debtor=debtor, type="INCOME_RISE")

    services.route_new_work(municipality=municipality, today=TODAY)

    item = WorkItem.objects.get(kind=WorkItem.Kind.DEBTOR_SIGNAL)
    assert item.basket.name == "Eerst hulp"
    assert item.facts["has_open_arrears"] is True


@pytest.mark.parametrize(
    ("reports", "birth_date", "expected"),
    [
        ([{"crisis": True}], datetime.date(1980, 1, 1), "Crisis"),
        ([{}], datetime.date(2005, 1, 1), "Jongeren"),
        ([{}, {}], datetime.date(1980, 1, 1), "Meervoudig of hoog bedrag"),
        ([{"amount": Decimal("1200.00")}], datetime.date(1980, 1, 1), "Meervoudig of hoog bedrag"),
        ([{"partner_type": PartnerType.HUUR}], datetime.date(1980, 1, 1), "Meervoudig of hoog bedrag"),
        ([{}], datetime.date(1980, 1, 1), "Enkelvoudig"),
    ],
)
def test_arrears_cases_route_to_the_default_baskets(municipality, reports, birth_date, expected):
    case = ArrearsCaseFactory(municipality=municipality, birth_date=birth_date)
    for report in reports:
        ArrearsReportFactory(case=case, **report)

    services.route_new_work(municipality=municipality, today=TODAY)

    item = WorkItem.objects.get(case=case)
    assert item.basket.name == expected
    assert item.person_ref == str(case.pk)
    assert item.legal_due_date == case.due_date


def test_arrears_item_is_due_by_the_legal_term_when_earlier():
    municipality = MunicipalityFactory()
    WorkBasket.objects.create(
        municipality=municipality,
        name="Alles",
        position=1,
        treatment_path=[{"action": "Brief", "label": "Brief", "term_days": 60, "working_days": False}],
    )
    case = ArrearsCaseFactory(municipality=municipality, due_date=datetime.date(2026, 11, 30))
    ArrearsReportFactory(case=case)

    services.route_new_work(municipality=municipality, today=TODAY)

    assert WorkItem.objects.get().due_date == datetime.date(2026, 11, 30)


def test_new_report_reroutes_an_unstarted_case_item(municipality):
    case = ArrearsCaseFactory(municipality=municipality)
    ArrearsReportFactory(case=case)
    services.route_new_work(municipality=municipality, today=TODAY)
    ArrearsReportFactory(case=case, supplier=SupplierFactory())

    services.route_new_work(municipality=municipality, today=TODAY)

    item = WorkItem.objects.get(case=case)
    assert item.basket.name == "Meervoudig of hoog bedrag"
    assert item.facts["supplier_count"] == 2


def test_preview_counts_moves_of_unstarted_items_without_saving(municipality):
    for _ in range(3):
        SignalFactory(debtor=DebtorFactory(municipality=municipality), type="ASSETS")
    SignalFactory(debtor=DebtorFactory(municipality=municipality), type="VEHICLE")
    services.route_new_work(municipality=municipality, today=TODAY)
    started = WorkItem.objects.filter(signal_types="|VEHICLE|").get()
    services.change_status(items=[started], status="waiting", by=None, reason="wacht op stukken")
    baskets = services.routing_baskets(municipality=municipality)
    overig = baskets[-1]
    proposed = [routing.Basket("new", "Alles wat beweegt"), *baskets]

    preview = services.preview_baskets(municipality=municipality, proposed=proposed)

    assert preview.moves == {("Vermogen en voertuig", "Alles wat beweegt"): 3}
    assert (preview.moving, preview.started_staying, preview.unchanged) == (3, 1, 0)
    assert WorkItem.objects.filter(basket__name="Vermogen en voertuig").count() == 4
    assert overig.name == "Overig"


def test_reordering_reroutes_only_unstarted_items(municipality):
    for _ in range(2):
        SignalFactory(debtor=DebtorFactory(municipality=municipality), type="ASSETS")
    services.route_new_work(municipality=municipality, today=TODAY)
    started = WorkItem.objects.order_by("pk").first()
    services.change_status(items=[started], status="in_progress", by=None, reason="opgepakt")
    overig = WorkBasket.objects.get(municipality=municipality, name="Overig")
    overig.conditions = [{"field": "signal_types", "operator": "contains any", "value": ["ASSETS"]}]
    overig.save()
    services.move_basket(basket=overig, offset=-8)

    moved = services.reroute_unstarted(municipality=municipality)

    assert moved == 1
    assert sorted(WorkItem.objects.values_list("basket__name", flat=True)) == [
        "Overig",
        "Vermogen en voertuig",
    ]
    started.refresh_from_db()
    assert started.basket.name == "Vermogen en voertuig"


def test_reorder_baskets_ignores_foreign_ids(municipality):
    other = MunicipalityFactory()
    services.create_default_baskets(municipality=other)
    ids = list(
        WorkBasket.objects.for_municipality(municipality).order_by("position").values_list("pk", flat=True)
    )
    foreign = WorkBasket.objects.for_municipality(other).first().pk

    services.reorder_baskets(municipality=municipality, basket_ids=[ids[-1], foreign, *ids[:-1]])

    assert list(
        WorkBasket.objects.for_municipality(municipality).order_by("position").values_list("pk", flat=True)
    ) == [ids[-1], *ids[:-1]]
    assert WorkBasket.objects.get(pk=foreign).position == 1


@pytest.fixture
def case_item(municipality):
    case = ArrearsCaseFactory(municipality=municipality)
    ArrearsReportFactory(case=case, reference="E-1")
    ArrearsReportFactory(case=case, reference="E-2", status=ArrearsReport.Status.WITHDRAWN)
    services.route_new_work(municipality=municipality, today=TODAY)
    return WorkItem.objects.get(case=case)


def test_assigning_an_arrears_item_picks_up_the_case_for_the_supplier(case_item, time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 20, 10, 0, tzinfo=datetime.UTC))
    consultant = MembershipFactory(municipality=case_item.municipality).user

    services.assign_items(items=[case_item], assignee=consultant, by=consultant, reason="")

    report = ArrearsReport.objects.get(reference="E-1")
    assert (report.status, report.collection_suspended_until) == ("picked_up", datetime.date(2026, 12, 20))
    assert ArrearsReport.objects.get(reference="E-2").status == "withdrawn"
    assert ArrearsCase.objects.get().picked_up_at is not None
    case_item.refresh_from_db()
    assert (case_item.status, case_item.assignee) == ("in_progress", consultant)


def test_reached_contact_attempt_marks_contact_made(case_item):
    attempt = services.record_contact_attempt(
        item=case_item,
        kind="Telefoon",
        reached=True,
        date=TODAY,
        part_of_day="Middag",
        by=None,
        note="gebeld",
    )

    assert ContactAttempt.objects.get() == attempt
    assert ArrearsReport.objects.get(reference="E-1").status == "contact_made"
    assert ArrearsCase.objects.get().first_contact_at is not None
    assert case_item.events.filter(kind=WorkItemEvent.Kind.CONTACT).count() == 1


def test_closing_an_arrears_item_closes_case_and_reports(case_item):
    services.close_item(item=case_item, outcome=Result.ADVICE, by=None)

    case = ArrearsCase.objects.get()
    assert (case.status, case.result) == ("closed", Result.ADVICE)
    assert ArrearsReport.objects.get(reference="E-1").status == "closed"
    assert ArrearsReport.objects.get(reference="E-1").result == Result.ADVICE


def test_closing_with_other_reason_shows_not_picked_up(case_item):
    services.close_item(item=case_item, outcome=Result.OTHER_REASON, by=None)

    assert ArrearsReport.objects.get(reference="E-1").status == "not_picked_up"


def test_close_refuses_an_outcome_of_the_other_kind(case_item):
    with pytest.raises(ValidationError):
        services.close_item(item=case_item, outcome="instalment_raised", by=None)

    case_item.refresh_from_db()
    assert case_item.status == "new"


def test_bulk_status_change_needs_a_reason(case_item):
    with pytest.raises(ValidationError):
        services.change_status(items=[case_item], status="waiting", by=None, reason=" ")

    assert WorkItem.objects.get().status == "new"


def test_advance_step_follows_the_path(municipality):
    SignalFactory(debtor=DebtorFactory(municipality=municipality))
    basket = WorkBasket.objects.get(municipality=municipality, name="Aflossing herberekenen")
    basket.treatment_path = [
        {"action": "Brief", "label": "Brief", "term_days": 14, "working_days": False},
        {"action": "Telefoon", "label": "Bellen", "term_days": 3, "working_days": True},
    ]
    basket.save()
    services.route_new_work(municipality=municipality, today=TODAY)
    item = WorkItem.objects.get()

    services.advance_step(item=item, by=None, today=TODAY)

    item.refresh_from_db()
    assert (item.step, item.status, item.due_date) == (1, "in_progress", datetime.date(2026, 11, 25))
    with pytest.raises(ValidationError):
        services.advance_step(item=item, by=None, today=TODAY)


def test_export_command_writes_one_row_per_item(case_item):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("export_workitems", municipality=f"GM{case_item.municipality.code}", stdout=out)

    assert out.getvalue().splitlines() == [
        "item,person_ref,basket,status,assignee,due_date,signal_types,report_references",
        f"{case_item.pk},{case_item.case_id},Enkelvoudig,new,,{case_item.due_date.isoformat()},,E-1|E-2",
    ]


def test_route_task_runs_the_service_and_is_safe_to_run_twice(municipality):
    from workbaskets import tasks

    SignalFactory(debtor=DebtorFactory(municipality=municipality))

    assert tasks.route_new_work(municipality.pk) == {"created": 1, "rerouted": 0, "flagged": 0}
    assert tasks.route_new_work(municipality.pk) == {"created": 0, "rerouted": 0, "flagged": 0}


def test_capacity_gap_and_income_come_from_the_bvv_evidence(municipality):
    debtor = DebtorFactory(municipality=municipality)
    SignalFactory(
        debtor=debtor,
        type="INCOME_RISE",
        evidence={
            "monthly_income": "2100.00",
            "bvv": {"proposed_instalment": "180.00", "capacity_gap": "130.00"},
        },
    )

    services.route_new_work(municipality=municipality, today=TODAY)

    facts = WorkItem.objects.get().facts
    assert (facts["income"], facts["capacity_gap"]) == ("2100.00", "130.00")


def test_capacity_gap_from_the_bvv_figures_of_a_rise_decides_the_basket(municipality):
    WorkBasket.objects.filter(municipality=municipality, name="Aflossing herberekenen").update(
        conditions=[
            {"field": "signal_types", "operator": "contains any", "value": ["INCOME_RISE"]},
            {"field": "capacity_gap", "operator": ">", "value": 100},
        ]
    )
    small, large = DebtorFactory(municipality=municipality), DebtorFactory(municipality=municipality)
    for debtor, gap in [(small, "40.00"), (large, "204.41")]:
        DebtorSnapshotFactory(debtor=debtor)
        SignalFactory(debtor=debtor, type="INCOME_RISE", evidence={"bvv": {"capacity_gap": gap}})

    services.route_new_work(municipality=municipality, today=TODAY)

    assert WorkItem.objects.get(debtor=large).basket.name == "Aflossing herberekenen"
    assert WorkItem.objects.get(debtor=small).basket.name == "Overig"


def test_income_of_a_debtor_item_is_the_last_month_of_the_signal_evidence(municipality):
    debtor = DebtorFactory(municipality=municipality)
    DebtorSnapshotFactory(debtor=debtor, known_income=Decimal("900.00"))
    SignalFactory(
        debtor=debtor,
        type="INCOME_ABOVE_THRESHOLD",
        evidence={
            "months": [{"period": "2026-09", "income": "1600.00"}, {"period": "2026-10", "income": "1725.50"}]
        },
    )

    services.route_new_work(municipality=municipality, today=TODAY)

    assert WorkItem.objects.get(debtor=debtor).facts["income"] == "1725.50"
