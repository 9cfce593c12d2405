import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection

from intake.arrears import services
from intake.models import ArrearsCase, ArrearsReport, ArrearsSettings, Debtor, Result
from tests.tenancy.factories import CovenantFactory, MunicipalityFactory, SupplierFactory

TODAY = dt.date(2026, 6, 1)


def report(**fields) -> dict:
    return {
        "reference": "R-1",
        "municipality_code": "0999",
        "amount": "450.00",
        "arrears_since": "2026-03-01",
        "signal_date": "2026-05-01",
        "bsn": "123456782",
        "last_name": "Dijk",
        "postcode": "1234AB",
        "house_number": "10",
        "birth_date": "1985-06-15",
    } | fields


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # covenant lookups and the assessment marker live there


@pytest.fixture
def gemeente():
    return MunicipalityFactory(code="0999")


@pytest.fixture
def huur(gemeente):
    supplier = SupplierFactory(name="Woonstad", partner_type="Huur")
    CovenantFactory(municipality=gemeente, supplier=supplier)
    return supplier


@pytest.fixture
def energie(gemeente):
    supplier = SupplierFactory(name="Stroom BV", partner_type="Energie")
    CovenantFactory(municipality=gemeente, supplier=supplier)
    return supplier


def receive(supplier, *reports):
    """Receive, then run the rules as the task does; return what the supplier reads afterwards."""
    outcomes = services.receive_arrears_reports(supplier=supplier, reports=list(reports), today=TODAY)
    services.assess_pending_reports()
    for outcome in outcomes:
        if outcome.outcome != "rejected":
            stored = ArrearsReport.objects.get(supplier=supplier, reference=outcome.reference)
            outcome.status, outcome.result = stored.status, stored.result or None
    return outcomes


@pytest.mark.django_db
def test_same_reference_again_updates_and_never_duplicates(huur):
    [first] = receive(huur, report())
    [second] = receive(huur, report(amount="500.00"))

    assert (first.outcome, second.outcome) == ("created", "updated")
    stored = ArrearsReport.objects.get()
    assert (stored.amount, stored.partner_type, stored.status) == (Decimal("500.00"), "Huur", "received")
    assert ArrearsCase.objects.get().total_amount == Decimal("500.00")


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="eight connections writing at once: SQLite's test database serialises them with 'table is locked'",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_of_one_reference_store_one_row(huur):
    barrier = threading.Barrier(8)
    outcomes = []

    def post() -> None:
        barrier.wait()
        try:
            outcomes.extend(services.receive_arrears_reports(supplier=huur, reports=[report()], today=TODAY))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcome.outcome for outcome in outcomes) == ["created"] + ["updated"] * 7
    assert ArrearsReport.objects.count() == 1
    services.assess_pending_reports()
    assert ArrearsCase.objects.count() == 1
    assert ArrearsReport.objects.get().case_id == ArrearsCase.objects.get().pk


@pytest.mark.django_db
def test_report_for_a_municipality_without_covenant_is_refused(huur):
    MunicipalityFactory(code="0888")

    [outcome] = receive(huur, report(municipality_code="GM0888"))

    assert outcome.outcome == "rejected"
    assert [error.as_dict() for error in outcome.errors] == [
        {
            "pointer": "/0/municipality_code",
            "message": "No active covenant with municipality 0888.",
            "code": "no_covenant",
        }
    ]
    assert ArrearsReport.objects.count() == 0


@pytest.mark.django_db
def test_ended_covenant_refuses(gemeente):
    supplier = SupplierFactory()
    CovenantFactory(municipality=gemeente, supplier=supplier, valid_to=dt.date(2026, 5, 31))

    [outcome] = receive(supplier, report())

    assert [error.code for error in outcome.errors] == ["no_covenant"]


@pytest.mark.django_db
def test_report_outside_the_window_is_kept_and_closed_as_unjustified(huur):
    [outcome] = receive(huur, report(arrears_since="2026-04-15"))

    stored = ArrearsReport.objects.get()
    assert (outcome.status, outcome.result) == ("not_picked_up", Result.UNJUSTIFIED)
    assert (stored.status, stored.result, stored.case_id) == ("not_picked_up", Result.UNJUSTIFIED, None)
    assert ArrearsCase.objects.count() == 0


@pytest.mark.django_db
def test_report_below_the_municipal_minimum_is_unjustified(huur, gemeente):
    ArrearsSettings.objects.create(municipality=gemeente, minimum_amount=Decimal(500))

    [low, high] = receive(huur, report(), report(reference="R-2", amount="500", bsn="111222333"))

    assert (low.status, low.result) == ("not_picked_up", Result.UNJUSTIFIED)
    assert (high.status, high.result) == ("received", None)


@pytest.mark.django_db
def test_new_reference_for_the_same_arrears_is_a_repeat(huur):
    receive(huur, report())

    [outcome] = receive(huur, report(reference="R-2"))

    assert (outcome.status, outcome.result) == ("not_picked_up", Result.REPEAT)
    repeat = ArrearsReport.objects.get(reference="R-2")
    assert (repeat.case_id, repeat.is_repeat) == (None, True)
    assert ArrearsCase.objects.get().is_repeat is True


@pytest.mark.django_db
def test_repeat_with_a_higher_amount_joins_the_case(huur):
    receive(huur, report())

    [outcome] = receive(huur, report(reference="R-2", amount="600.00"))

    case = ArrearsCase.objects.get()
    assert (outcome.status, outcome.result) == ("received", None)
    assert ArrearsReport.objects.get(reference="R-2").case_id == case.pk
    assert (case.is_repeat, case.total_amount, case.supplier_count) == (True, Decimal("1050.00"), 1)


@pytest.mark.django_db
def test_repeat_within_one_batch(huur):
    outcomes = receive(huur, report(), report(reference="R-2"))

    assert [(o.status, o.result) for o in outcomes] == [("received", None), ("not_picked_up", Result.REPEAT)]


@pytest.mark.django_db
def test_two_suppliers_about_one_household_make_one_multiple_case(huur, energie):
    receive(huur, report())
    receive(
        energie,
        report(reference="E-1", bsn="", last_name="Dijk-Jansen", birth_date="1990-01-01", crisis=True),
    )

    case = ArrearsCase.objects.get()
    assert (case.supplier_count, case.partner_types, case.is_multiple, case.crisis) == (
        2,
        ["Energie", "Huur"],
        True,
        True,
    )
    assert case.total_amount == Decimal("900.00")


@pytest.mark.django_db
def test_multiple_supplier_count_is_a_setting(huur, energie, gemeente):
    ArrearsSettings.objects.create(municipality=gemeente, multiple_supplier_count=3)
    receive(huur, report())
    receive(energie, report(reference="E-1"))

    assert ArrearsCase.objects.get().is_multiple is False


@pytest.mark.django_db
def test_person_without_bsn_matches_on_birth_date_address_and_name(huur, energie):
    receive(huur, report(bsn=""))
    receive(energie, report(reference="E-1", bsn="", last_name="DIJK", postcode="1234 ab"))

    reports = ArrearsReport.objects.order_by("reference")
    assert reports[0].person_key == reports[1].person_key != ""
    assert ArrearsCase.objects.count() == 1


@pytest.mark.django_db
def test_crisis_due_date_skips_kings_day(huur):
    receive(huur, report(signal_date="2026-04-24", arrears_since="2026-03-01", crisis=True))

    assert ArrearsCase.objects.get().due_date == dt.date(2026, 4, 30)


@pytest.mark.django_db
def test_regular_due_date_is_four_weeks_and_a_crisis_report_shortens_it(huur, energie):
    receive(huur, report(signal_date="2026-05-01"))
    assert ArrearsCase.objects.get().due_date == dt.date(2026, 5, 29)

    receive(energie, report(reference="E-1", signal_date="2026-05-04", crisis=True))

    assert ArrearsCase.objects.get().due_date == dt.date(2026, 5, 7)


@pytest.mark.django_db
def test_case_of_a_welfare_debtor_is_cross_linked(huur, gemeente):
    debtor = Debtor.objects.create(
        municipality=gemeente,
        debtor_ref="D-1",
        bsn="123456782",
        last_name="Dijk",
        birth_date=dt.date(1985, 6, 15),
        first_period=dt.date(2026, 1, 1),
    )

    receive(huur, report())

    case = ArrearsCase.objects.get()
    assert (case.debtor_id, case.is_welfare_debtor, case.age_on(TODAY)) == (debtor.pk, True, 40)


@pytest.mark.django_db
def test_debtor_of_another_municipality_is_not_linked(huur):
    Debtor.objects.create(
        municipality=MunicipalityFactory(),
        debtor_ref="D-1",
        bsn="123456782",
        last_name="Dijk",
        birth_date=dt.date(1985, 6, 15),
        first_period=dt.date(2026, 1, 1),
    )

    receive(huur, report())

    assert ArrearsCase.objects.get().is_welfare_debtor is False


@pytest.mark.django_db
def test_pick_up_suspends_collection_for_a_month(huur):
    receive(huur, report())
    case = ArrearsCase.objects.get()

    services.pick_up_case(case=case, when=dt.datetime(2026, 5, 31, 10, 0, tzinfo=dt.UTC))

    stored = ArrearsReport.objects.get()
    assert (stored.status, stored.collection_suspended_until) == ("picked_up", dt.date(2026, 6, 30))


@pytest.mark.django_db
def test_contact_attempt_records_part_of_day_and_first_contact(huur):
    receive(huur, report())
    case = ArrearsCase.objects.get()
    when = dt.datetime(2026, 6, 2, 17, 30, tzinfo=dt.UTC)  # 19:30 in Amsterdam

    attempt = services.record_contact_attempt(case=case, kind="Telefoon", is_reached=True, when=when)

    case.refresh_from_db()
    assert (attempt.part_of_day, case.first_contact_at, case.stage) == ("Avond", when, "contact_made")
    assert ArrearsReport.objects.get().status == "contact_made"


@pytest.mark.django_db
def test_closing_for_another_reason_is_hidden_from_the_supplier(huur):
    receive(huur, report())

    services.close_case(case=ArrearsCase.objects.get(), result=Result.OTHER_REASON)

    stored = ArrearsReport.objects.get()
    feedback = services.supplier_view(stored)
    assert (stored.status, stored.result) == ("not_picked_up", Result.OTHER_REASON)
    assert (feedback.status, feedback.result) == ("not_picked_up", None)


@pytest.mark.django_db
def test_closing_with_help_shows_the_result(huur):
    receive(huur, report())

    services.close_case(case=ArrearsCase.objects.get(), result=Result.ADVICE)

    feedback = services.supplier_view(ArrearsReport.objects.get())
    assert (feedback.status, feedback.result) == ("closed", "(Budget)advies en/of quick fix")


@pytest.mark.django_db
def test_withdrawing_the_only_report_closes_the_case_before_pick_up(huur):
    receive(huur, report())

    services.withdraw_arrears_report(report=ArrearsReport.objects.get(), reason="paid")

    stored = ArrearsReport.objects.get()
    case = ArrearsCase.objects.get()
    assert (stored.status, stored.withdraw_reason) == ("withdrawn", "paid")
    assert (case.status, case.result, case.total_amount, case.supplier_count) == (
        "closed",
        Result.PAID_ALREADY,
        0,
        0,
    )


@pytest.mark.django_db
def test_reference_stays_with_its_first_municipality(huur, gemeente):
    other = MunicipalityFactory(code="0777")
    CovenantFactory(municipality=other, supplier=huur)
    receive(huur, report())

    [outcome] = receive(huur, report(municipality_code="0777"))

    assert [error.code for error in outcome.errors] == ["conflict"]
    assert ArrearsReport.objects.get().municipality_id == gemeente.pk


@pytest.mark.django_db
def test_receiving_enqueues_the_assessment_once_per_request(huur, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        outcomes = services.receive_arrears_reports(
            supplier=huur, reports=[report(), report(reference="R-2")], today=TODAY
        )

    assert [(o.outcome, o.status) for o in outcomes] == [("created", "received"), ("created", "received")]
    assert len(callbacks) == 1
    assert ArrearsReport.objects.filter(assessed_at__isnull=True).count() == 2


@pytest.mark.django_db
def test_a_retry_enqueues_nothing(huur, django_capture_on_commit_callbacks):
    receive(huur, report())

    with django_capture_on_commit_callbacks() as callbacks:
        services.receive_arrears_reports(supplier=huur, reports=[report()], today=TODAY)

    assert callbacks == []


@pytest.mark.django_db
def test_assessment_runs_once(huur):
    services.receive_arrears_reports(supplier=huur, reports=[report()], today=TODAY)

    assert services.assess_pending_reports() == 1
    assert services.assess_pending_reports() == 0
    assert ArrearsCase.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_task_assesses_on_a_real_worker(huur, celery_worker):
    from intake.arrears import tasks

    cache.add("arrears:assessment-queued", True, timeout=60)  # as if a run were queued already
    services.receive_arrears_reports(supplier=huur, reports=[report()], today=TODAY)

    assert tasks.assess_arrears_reports.apply_async(ignore_result=False).get(timeout=30) == 1
    assert ArrearsReport.objects.get().case_id == ArrearsCase.objects.get().pk


@pytest.mark.django_db
def test_case_is_linked_when_the_person_becomes_a_welfare_debtor_later(huur, gemeente):
    receive(huur, report())
    debtor = Debtor.objects.create(
        municipality=gemeente,
        debtor_ref="D-9",
        bsn="123456782",
        last_name="Dijk",
        birth_date=dt.date(1985, 6, 15),
        first_period=dt.date(2026, 6, 1),
    )

    assert services.link_welfare_debtors(municipality=gemeente) == 1
    assert ArrearsCase.objects.get().debtor_id == debtor.pk
