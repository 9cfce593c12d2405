import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from openpyxl import load_workbook

from reporting import exports, figures, services
from reporting.models import ManagementReport
from signals.models import SignalType
from tests.reporting.conftest import first_page_png, pdf_text
from tests.reporting.factories import (
    PERIOD,
    ArrearsReportFactory,
    DebtorSnapshotFactory,
    SignalFactory,
    WorkBasketFactory,
    WorkItemFactory,
)
from tests.tenancy.factories import MunicipalityFactory, UserFactory

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def october(municipality):
    SignalFactory.create_batch(
        4, debtor__municipality=municipality, type=SignalType.VEHICLE, category="payer"
    )
    ArrearsReportFactory(case__municipality=municipality, partner_type="Huur", amount=Decimal("1234.56"))
    DebtorSnapshotFactory(
        debtor__municipality=municipality, instalment=Decimal("80.00"), paid_last_month=Decimal("60.00")
    )
    with time_machine.travel(datetime.datetime(2026, 10, 7, 9, tzinfo=datetime.UTC), tick=False):
        WorkItemFactory(
            municipality=municipality, basket=WorkBasketFactory(municipality=municipality, name="Jongeren")
        )
    return municipality


@pytest.mark.django_db
def test_report_pdf_shows_the_figures_of_the_database(october, tmp_path):
    report = ManagementReport.objects.create(municipality=october, period=PERIOD)

    services.generate_management_report(report=report)

    report.refresh_from_db()
    assert report.status == ManagementReport.Status.FINISHED
    content = report.file.read()
    text = " ".join(pdf_text(content))
    assert text.startswith(f"{october.name} Managementrapportage oktober 2026")
    assert (
        "Meldingen per soort signaalpartner Signaalpartner Meldingen Crisis Bedrag Huur 1 0 1234,56" in text
    )
    assert "Werkbakje Instroom Open aan het eind van de maand Afgesloten Te laat Jongeren 1 1 0 0" in text
    assert "Totaal 4 0 0 4" in text
    assert first_page_png(content, tmp_path).startswith(PNG_SIGNATURE)
    stored = figures.Figures.from_json(report.figures)
    live = figures.Figures.from_json(
        figures.management_figures(municipality=october, period=PERIOD).to_json()
    )
    assert stored.tables["signals"].rows[-1][-1] == live.tables["signals"].rows[-1][-1] == 4
    assert stored.tables["baskets"].rows == [["Jongeren", 1, 1, 0, 0]]
    assert stored.tables["collection"].rows[0][1:] == [1, "80.00", "60.00", "75.0"]


@pytest.mark.django_db
def test_a_report_is_generated_once_per_claim(october):
    report = ManagementReport.objects.create(municipality=october, period=PERIOD)
    services.generate_management_report(report=report)
    report.refresh_from_db()
    first = (report.file.name, report.finished_at)

    services.generate_management_report(report=report)

    report.refresh_from_db()
    assert (report.file.name, report.finished_at) == first


@pytest.mark.django_db
def test_on_demand_request_makes_a_fresh_copy(october, django_capture_on_commit_callbacks):
    report = ManagementReport.objects.create(
        municipality=october, period=PERIOD, status=ManagementReport.Status.FINISHED
    )
    manager = UserFactory()

    with django_capture_on_commit_callbacks() as callbacks:
        again = services.request_management_report(municipality=october, period=PERIOD, user=manager)

    assert again.pk == report.pk
    assert (again.status, again.requested_by) == (ManagementReport.Status.PENDING, manager)
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_daily_tick_starts_last_months_report_once_per_municipality(django_capture_on_commit_callbacks):
    first, second = MunicipalityFactory(), MunicipalityFactory()
    ManagementReport.objects.create(municipality=second, period=PERIOD)

    with django_capture_on_commit_callbacks() as callbacks:
        started = services.start_due_management_reports(today=datetime.date(2026, 11, 2))
        again = services.start_due_management_reports(today=datetime.date(2026, 11, 3))

    assert [(report.municipality, report.period) for report in started] == [(first, PERIOD)]
    assert again == []
    assert len(callbacks) == 1
    assert ManagementReport.objects.filter(period=PERIOD).count() == 2


def test_beat_schedules_the_daily_report_tick():
    entry = settings.CELERY_BEAT_SCHEDULE["start-due-management-reports"]

    assert entry["task"] == "reporting.tasks.start_due_management_reports"


@pytest.mark.django_db
def test_csv_export_uses_semicolons_and_decimal_commas(october):
    table = figures.arrears_per_partner_type(october, PERIOD)

    assert exports.figures_csv(table).splitlines()[1] == "Huur;1;0;1234,56"


@pytest.mark.django_db
def test_xlsx_export_has_a_sheet_per_table(october):
    found = figures.management_figures(municipality=october, period=PERIOD)

    workbook = load_workbook(io.BytesIO(exports.figures_xlsx(found)))

    assert workbook.sheetnames == list(found.tables)
    partner = workbook["arrears_partner"]
    assert [cell.value for cell in partner[3]] == ["Huur", 1, 0, 1234.56]


@pytest.mark.django_db
def test_a_report_left_running_by_a_killed_worker_is_made_on_redelivery(october):
    report = ManagementReport.objects.create(
        municipality=october, period=PERIOD, status=ManagementReport.Status.RUNNING
    )

    services.generate_management_report(report=report)

    report.refresh_from_db()
    assert report.status == ManagementReport.Status.FINISHED
    assert "Managementrapportage oktober 2026" in pdf_text(report.file.read())[0]


@pytest.mark.django_db
def test_a_report_whose_queueing_failed_is_queued_again_by_the_beat_run(october):
    report = ManagementReport.objects.create(municipality=october, period=PERIOD)  # still pending
    later = report.created_at + datetime.timedelta(minutes=services.STALLED_BATCH_MINUTES + 1)

    assert services.requeue_pending_jobs(now=report.created_at) == 0  # too fresh: its message may come
    assert services.requeue_pending_jobs(now=later) == 1
