import datetime as dt

import pytest

from intake.arrears import demo
from intake.arrears.validation import validate_report
from intake.models import ArrearsCase, ArrearsReport
from tenancy.demo import DemoContext
from tests.tenancy.factories import MunicipalityFactory


def test_generated_reports_are_valid_and_reproducible():
    today = dt.date(2026, 6, 1)
    first = demo.generate_reports(count=300, municipality_code="0999", seed=7, prefix="T", today=today)
    second = demo.generate_reports(count=300, municipality_code="0999", seed=7, prefix="T", today=today)

    assert first == second
    assert [
        errors for _report, errors in (validate_report(r, pointer="", today=today) for r in first) if errors
    ] == []
    assert len({r["reference"] for r in first}) == 300


@pytest.mark.django_db
def test_demo_step_creates_suppliers_reports_and_multiple_cases():
    context = DemoContext(
        seed=1, municipalities_count=1, debtors=2000, months=1, last_period=dt.date(2026, 5, 1)
    )
    context.log = lambda message: None
    context.municipalities.append(MunicipalityFactory(code="9901"))

    demo.create_arrears_reports(context=context)

    assert ArrearsReport.objects.count() == 100
    assert ArrearsReport.objects.filter(assessed_at__isnull=True).count() == 0
    assert ArrearsCase.objects.filter(is_multiple=True).exists()
