"""The ORM fallbacks of `intake.arrears.portable` give what the PostgreSQL statements give.

On PostgreSQL `services` runs its own SQL, so these tests call the fallbacks directly and compare;
on SQLite every other arrears test goes through the fallbacks already.
"""

import datetime as dt
from decimal import Decimal

import pytest

from intake.arrears import portable, store
from intake.models import ArrearsCase, ArrearsReport, Debtor
from tests.tenancy.factories import MunicipalityFactory

from .test_arrears_services import _fresh_cache, energie, gemeente, huur, receive, report  # noqa: F401

ROUTED_FIELDS = (
    "supplier_count",
    "partner_types",
    "total_amount",
    "crisis",
    "latest_signal_date",
    "is_multiple",
    "debtor_id",
)


@pytest.mark.django_db
def test_portable_refresh_recomputes_what_services_computed(huur, energie, gemeente):  # noqa: F811
    debtor = Debtor.objects.create(
        municipality=gemeente,
        debtor_ref="D-1",
        bsn="123456782",
        last_name="Dijk",
        birth_date=dt.date(1985, 6, 15),
        first_period=dt.date(2026, 1, 1),
    )
    receive(huur, report())
    receive(energie, report(reference="E-1", bsn="", last_name="Dijk-Jansen", birth_date="1990-01-01"))
    case = ArrearsCase.objects.get()
    computed = ArrearsCase.objects.values(*ROUTED_FIELDS).get()
    ArrearsCase.objects.update(
        supplier_count=0,
        partner_types=[],
        total_amount=Decimal(0),
        latest_signal_date=None,
        is_multiple=False,
        debtor=None,
    )

    portable.refresh_cases(case_ids=[case.pk])

    assert ArrearsCase.objects.values(*ROUTED_FIELDS).get() == computed
    assert computed == {
        "supplier_count": 2,
        "partner_types": ["Energie", "Huur"],
        "total_amount": Decimal("900.00"),
        "crisis": False,
        "latest_signal_date": dt.date(2026, 5, 1),
        "is_multiple": True,
        "debtor_id": debtor.pk,
    }


@pytest.mark.django_db
def test_portable_upsert_creates_updates_and_keeps_a_reference_with_its_municipality(huur, gemeente):  # noqa: F811
    other = MunicipalityFactory(code="0777")
    receive(huur, report())
    stored = ArrearsReport.objects.get()
    row = {column: getattr(stored, column) for column in store.REPORT_COLUMNS}

    result = portable.upsert_reports(
        supplier_id=huur.pk,
        rows=[row | {"amount": Decimal("500.00")}, row | {"reference": "R-2"}],
        updatable=store.UPDATABLE_COLUMNS,
    )
    conflict = portable.upsert_reports(
        supplier_id=huur.pk,
        rows=[row | {"municipality_id": other.pk, "amount": Decimal("1.00")}],
        updatable=store.UPDATABLE_COLUMNS,
    )

    assert {reference: values[2:] for reference, values in result.items()} == {
        "R-1": (False, stored.case_id, "received", ""),
        "R-2": (True, None, "received", ""),
    }
    assert stored.case_id is not None
    assert conflict == {}
    assert dict(ArrearsReport.objects.values_list("reference", "amount")) == {
        "R-1": Decimal("500.00"),
        "R-2": Decimal("450.00"),
    }
