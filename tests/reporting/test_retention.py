"""Retention (domain.md section 9): what is purged when, what is registered, and what survives."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from intake.models import (
    ArrearsCase,
    ArrearsContactAttempt,
    ArrearsReport,
    BankBalance,
    Debtor,
    DebtorSnapshot,
    IncomeRecord,
)
from reporting import figures, retention
from reporting.ddas import export_ddas
from reporting.models import (
    DestructionBatch,
    DestructionRecord,
    Letter,
    RetainedFigures,
    RetentionSettings,
)
from signals.models import Signal, SignalType
from tenancy.services import create_municipality
from tests.reporting.factories import (
    ArrearsReportFactory,
    DebtorFactory,
    DebtorSnapshotFactory,
    LetterTemplateFactory,
    SignalFactory,
    WorkBasketFactory,
    WorkItemFactory,
)
from workbaskets.models import ContactAttempt, WorkItem

TODAY = datetime.date(2026, 11, 23)
OLD = datetime.date(2025, 3, 1)  # a past period, well beyond every term
UTC = datetime.UTC
pytestmark = pytest.mark.django_db


def at(day: datetime.date) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, 10, tzinfo=UTC)


@pytest.fixture
def history(municipality):
    """A municipality with data on both sides of every retention term (TODAY is 2026-11-23)."""
    m = municipality
    # Reports closed as not picked up: term 3 months, cut-off 2026-08-23.
    for status_day, reference in (
        (datetime.date(2026, 7, 1), "NPU-OLD"),
        (datetime.date(2026, 10, 1), "NPU-NEW"),
    ):
        report = ArrearsReportFactory(
            case=None, municipality=m, reference=reference, bsn="123456782", last_name="Kanarie",
            postcode="1234AB", signal_date=datetime.date(2026, 6, 10), status=ArrearsReport.Status.NOT_PICKED_UP,
        )  # fmt: skip
        ArrearsReport.objects.filter(pk=report.pk).update(status_changed_at=at(status_day))
    # Closed cases (and their work items): term 18 months, cut-off 2025-05-23.
    basket = WorkBasketFactory(municipality=m, name="Schulden")
    template = LetterTemplateFactory(municipality=m)
    for closed_day, name in ((datetime.date(2025, 4, 2), "Oud"), (datetime.date(2025, 12, 1), "Nieuw")):
        report = ArrearsReportFactory(
            case__municipality=m, case__opened_on=OLD, case__due_date=datetime.date(2025, 3, 29),
            case__status=ArrearsCase.Status.CLOSED, case__closed_at=at(closed_day),
            case__first_contact_at=at(datetime.date(2025, 3, 10)), signal_date=datetime.date(2025, 3, 3),
            bsn="987654321", last_name=name, amount=Decimal("250.00"),
        )  # fmt: skip
        ArrearsContactAttempt.objects.create(
            municipality=m, case=report.case, kind="Telefoon", is_reached=True,
            happened_at=at(datetime.date(2025, 3, 10)), part_of_day="Ochtend", note=f"Notitie {name}",
        )  # fmt: skip
        item = WorkItemFactory(
            municipality=m, basket=basket, case=report.case, status=WorkItem.Status.CLOSED,
            closed_at=at(closed_day), outcome="help_started", display_name=f"P. {name}", person_ref=f"case {name}",
            age=44, facts={"age": 44},
        )  # fmt: skip
        WorkItem.objects.filter(pk=item.pk).update(created_at=at(OLD))
        ContactAttempt.objects.create(
            municipality=m, work_item=item, kind="phone", reached=True, date=OLD, part_of_day="morning",
            note=f"Gesprek {name}",
        )  # fmt: skip
        Letter.objects.create(municipality=m, template=template, work_item=item, values={"name": name})
    # Ended debtors: 12 months after the period they ended in; cut-off period 2025-11.
    for ended, bsns in (
        (datetime.date(2025, 6, 1), ["900000011", "900000023"]),
        (datetime.date(2026, 1, 1), ["900000035"]),
    ):
        for bsn in bsns:
            debtor = DebtorFactory(municipality=m, ended_period=ended, bsn=bsn)
            IncomeRecord.objects.create(
                municipality=m,
                bsn=bsn,
                period=OLD,
                source_id="L01",
                income_kind="benefit",
                amount=Decimal("900.00"),
            )
            BankBalance.objects.create(municipality=m, bsn=bsn, reference_date=OLD, balance=Decimal("12.00"))
            for period in (datetime.date(2025, 3, 1), datetime.date(2025, 4, 1)):
                DebtorSnapshotFactory(debtor=debtor, period=period, postcode="1234AB")
            SignalFactory(debtor=debtor, period=OLD, type=SignalType.VEHICLE)
    return m


def test_default_terms_come_with_a_new_municipality(db):
    created = create_municipality(code="0999", name="Bewaardorp")
    terms = RetentionSettings.objects.get(municipality=created)
    assert (
        terms.not_picked_up_months,
        terms.closed_case_months,
        terms.closed_item_months,
        terms.ended_debtor_months,
    ) == (3, 18, 18, 12)


def test_dry_run_counts_and_changes_nothing(history):
    plan = retention.plan_purge(municipality=history, today=TODAY)
    assert plan.counts() == {
        "report_not_picked_up": 1,
        "closed_case": 1,
        "closed_work_item": 1,
        "letter": 1,
        "ended_debtor": 2,
        "source_data": 4,
    }
    assert Debtor.objects.filter(municipality=history).count() == 3
    assert ArrearsReport.objects.filter(municipality=history, bsn="123456782").count() == 2
    assert DestructionBatch.objects.count() == 0


def test_purge_removes_personal_data_and_registers_counts(history):
    batch = retention.purge_personal_data(municipality=history, today=TODAY, triggered_by="test")

    registered = dict(DestructionRecord.objects.filter(batch=batch).values_list("kind", "count"))
    assert registered == {
        "report_not_picked_up": 1,
        "closed_case": 1,
        "closed_work_item": 1,
        "letter": 1,
        "ended_debtor": 2,
        "source_data": 4,
    }
    # The old not-picked-up report is kept without a person; the recent one is untouched.
    old = ArrearsReport.objects.get(reference="NPU-OLD")
    assert (old.bsn, old.last_name, old.postcode, old.amount) == ("", "", "", Decimal("412.50"))
    assert ArrearsReport.objects.get(reference="NPU-NEW").bsn == "123456782"
    # Closed cases: the old one and its report lose name, BSN, notes; the newer one keeps them.
    cases = ArrearsCase.objects.filter(municipality=history)
    assert (cases.count(), cases.filter(last_name="", bsn="", person_key="").count()) == (2, 1)
    assert ArrearsReport.objects.filter(municipality=history, bsn="987654321").count() == 1
    assert list(ArrearsContactAttempt.objects.order_by("note").values_list("note", flat=True)) == [
        "",
        "Notitie Nieuw",
    ]
    # Work items stay for the counts, without name, notes or letters.
    items = WorkItem.objects.filter(municipality=history).order_by("closed_at")
    assert [(i.display_name, i.person_ref, i.age, i.facts) for i in items] == [
        ("", "", None, {}),
        ("P. Nieuw", "case Nieuw", 44, {"age": 44}),
    ]
    assert list(ContactAttempt.objects.order_by("note").values_list("note", flat=True)) == [
        "",
        "Gesprek Nieuw",
    ]
    assert Letter.objects.filter(municipality=history).count() == 1
    # Ended debtors go whole, with snapshots and signals; the later one stays.
    assert Debtor.objects.filter(municipality=history).count() == 1
    assert DebtorSnapshot.objects.filter(municipality=history).count() == 2
    assert Signal.objects.filter(municipality=history).count() == 1
    # Their income and balance rows (keyed by BSN) go with them; the kept debtor's stay.
    assert list(IncomeRecord.objects.filter(municipality=history).values_list("bsn", flat=True)) == [
        "900000035"
    ]
    assert list(BankBalance.objects.filter(municipality=history).values_list("bsn", flat=True)) == [
        "900000035"
    ]


def test_second_purge_finds_nothing(history):
    retention.purge_personal_data(municipality=history, today=TODAY)
    again = retention.purge_personal_data(municipality=history, today=TODAY)
    assert again.records.count() == 0
    assert retention.plan_purge(municipality=history, today=TODAY).counts() == dict.fromkeys(
        ["report_not_picked_up", "closed_case", "closed_work_item", "letter", "ended_debtor", "source_data"],
        0,
    )


def test_a_past_period_reports_the_same_figures_after_the_purge(history):
    periods = [OLD, datetime.date(2025, 4, 1), datetime.date(2026, 6, 1)]
    before = {p: figures.management_figures(municipality=history, period=p).to_json() for p in periods}
    retention.purge_personal_data(municipality=history, today=TODAY)
    after = {p: figures.management_figures(municipality=history, period=p).to_json() for p in periods}
    assert after == before
    # Exact figures of March 2025: 3 vehicle signals (2 of them from purged debtors), 3 debtors in the
    # file, 2 cases opened and reached.
    march = after[OLD]["tables"]
    vehicle = next(row for row in march["signals"]["rows"] if row[0] == str(SignalType.VEHICLE.label))
    assert vehicle[-1] == 3
    assert march["collection"]["rows"][0][1] == 3
    assert march["reach"]["rows"][0][:2] == [2, 2]
    # The live count really changed underneath: that is what the retained figures are for.
    live = figures.count_management_figures(municipality=history, period=OLD).to_json()["tables"]
    assert live["collection"]["rows"][0][1] == 1
    assert RetainedFigures.objects.filter(municipality=history, period=OLD).count() == 1


def test_ddas_export_of_a_past_period_keeps_every_signal_without_the_person(history):
    start, end = datetime.date(2025, 3, 1), datetime.date(2025, 3, 31)
    before = export_ddas(municipality=history, start=start, end=end)
    retention.purge_personal_data(municipality=history, today=TODAY)
    after = export_ddas(municipality=history, start=start, end=end)

    def shape(document: dict) -> list:
        delivery = document["leveringen"][0]
        return [
            [(s["ID"], s["bedrag"], s["signaaldatum"]) for s in delivery["vroegsignalen"]],
            [(c["matchingsdatum"], len(c["vroegsignalen"])) for c in delivery["vroegsignaalzaken"]],
        ]

    assert shape(after) == shape(before)
    assert len(after["leveringen"][0]["vroegsignalen"]) == 2
    clients = [s["client"] for s in after["leveringen"][0]["vroegsignalen"]]
    assert sum(1 for client in clients if "Burgerservicenummer" not in client) == 1


def test_purge_keeps_other_municipalities_untouched(history, other_municipality):
    debtor = DebtorFactory(municipality=other_municipality, ended_period=datetime.date(2024, 1, 1))
    retention.purge_personal_data(municipality=history, today=TODAY)
    assert Debtor.objects.filter(pk=debtor.pk).exists()


def test_terms_are_per_municipality(history):
    RetentionSettings.objects.update_or_create(
        municipality=history, defaults={"not_picked_up_months": 1, "ended_debtor_months": 36}
    )
    counts = retention.plan_purge(municipality=history, today=TODAY).counts()
    assert (counts["report_not_picked_up"], counts["ended_debtor"]) == (2, 0)


def test_management_command_dry_run_and_purge(history, capsys):
    with time_machine.travel(datetime.datetime(2026, 11, 23, 12, tzinfo=UTC), tick=False):
        call_command("purge_personal_data", "--dry-run", "--municipality", history.code)
        out = capsys.readouterr().out
        assert "ended_debtor: 2" in out
        assert "report_not_picked_up: 1" in out
        assert DestructionBatch.objects.count() == 0
        call_command("purge_personal_data", "--municipality", history.code)
    assert "ended_debtor: 2" in capsys.readouterr().out
    assert DestructionBatch.objects.get().triggered_by == "manage.py"


def test_register_and_dry_run_pages_for_administrators_only(history, member, client_for):
    retention.purge_personal_data(municipality=history, today=TODAY, triggered_by="test")
    admin = client_for(member(history, "administrator"))
    page = admin.get(reverse("reporting:destruction-register"))
    assert page.status_code == 200
    assert [(r.kind, r.count) for b in page.context["batches"] for r in b.records.all()] == [
        ("closed_case", 1),
        ("closed_work_item", 1),
        ("ended_debtor", 2),
        ("letter", 1),
        ("report_not_picked_up", 1),
        ("source_data", 4),
    ]
    dry = admin.get(reverse("reporting:purge-dry-run"))
    assert dry.status_code == 200
    assert all(count == 0 for _kind, _label, count in dry.context["rows"])
    for role in ("consultant", "manager"):
        refused = client_for(member(history, role)).get(reverse("reporting:destruction-register"))
        assert refused.status_code == 403


def test_daily_beat_entry():
    entry = settings.CELERY_BEAT_SCHEDULE["purge-personal-data"]
    assert entry["task"] == "reporting.tasks.purge_personal_data"


def test_letter_files_go_when_the_purge_commits_and_stay_when_it_rolls_back(
    history, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    settings.MEDIA_ROOT = str(tmp_path)
    old = Letter.objects.get(municipality=history, values__name="Oud")
    old.file.save("oud.pdf", ContentFile(b"%PDF-1.4"), save=True)
    path = Path(old.file.path)

    def purge_then_fail() -> None:  # the purge's transaction rolls back: a later statement fails
        with transaction.atomic():
            retention.purge_personal_data(municipality=history, today=TODAY, triggered_by="test")
            raise RuntimeError("a later statement fails")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        purge_then_fail()
    assert path.exists()
    assert Letter.objects.filter(pk=old.pk).exists()

    with django_capture_on_commit_callbacks(execute=True):
        retention.purge_personal_data(municipality=history, today=TODAY, triggered_by="test")
    assert not path.exists()
