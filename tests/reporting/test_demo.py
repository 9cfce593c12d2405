import datetime

import pytest

from reporting.demo import create_demo_letters
from reporting.models import Letter, ManagementReport
from reporting.services import create_default_letter_templates
from tenancy.demo import DemoContext
from tests.reporting.conftest import pdf_text
from tests.reporting.factories import ArrearsReportFactory, WorkItemFactory


@pytest.mark.django_db
def test_demo_writes_letters_and_last_months_report(municipality):
    create_default_letter_templates(municipality=municipality)
    report = ArrearsReportFactory(case__municipality=municipality)
    WorkItemFactory(municipality=municipality, case=report.case)
    context = DemoContext(
        seed=1,
        municipalities_count=1,
        debtors=10,
        months=3,
        last_period=datetime.date(2026, 10, 1),
        log=lambda _: None,
    )
    context.municipalities.append(municipality)

    create_demo_letters(context=context)

    letter = Letter.objects.get(municipality=municipality)
    assert letter.template.kind == "arrears_outreach"
    assert "Met vriendelijke groet, Team Geldzaken" in " ".join(pdf_text(letter.file.read()))
    assert ManagementReport.objects.get(municipality=municipality).status == ManagementReport.Status.FINISHED
