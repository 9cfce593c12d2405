"""New cases and signals reach a work basket by themselves: intake and signals ask for routing by task name."""

import datetime as dt
import time

import pytest
from django.core.cache import cache

from intake.arrears import services as arrears_services
from intake.models import ArrearsCase
from signals import services as signal_services
from signals.models import EvaluationRun
from tests.signals.factories import EvaluationRunFactory, SignalFactory
from tests.tenancy.factories import CovenantFactory, MunicipalityFactory, SupplierFactory
from workbaskets import services
from workbaskets.models import WorkItem


def wait_for(query, *, seconds: float = 30.0):
    """Poll until the worker has produced a row (a bounded wait, not a timing assertion)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = query()
        if found is not None:
            return found
        time.sleep(0.2)
    return None


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_reported_arrears_are_assessed_and_routed_on_a_real_worker(celery_worker):
    cache.clear()
    municipality = MunicipalityFactory(code="0998")
    services.create_default_baskets(municipality=municipality)
    supplier = SupplierFactory(name="Woonstad", partner_type="Huur")
    CovenantFactory(municipality=municipality, supplier=supplier)

    arrears_services.receive_arrears_reports(
        supplier=supplier,
        reports=[
            {
                "reference": "R-1",
                "municipality_code": "0998",
                "amount": "450.00",
                "arrears_since": "2026-03-01",
                "signal_date": "2026-05-01",
                "bsn": "123456782",
                "last_name": "Dijk",
                "birth_date": "1985-06-15",
                "postcode": "1234AB",
                "house_number": "10",
            }
        ],
        today=dt.date(2026, 6, 1),
    )

    item = wait_for(
        lambda: WorkItem.objects.filter(municipality=municipality).select_related("basket").first()
    )
    assert item is not None, "no work item was created by the worker"
    assert item.case_id == ArrearsCase.objects.get(municipality=municipality).pk
    assert item.basket.name == "Meervoudig of hoog bedrag"  # partner type Huur


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_signals_of_a_finished_run_are_routed_on_a_real_worker(celery_worker):
    municipality = MunicipalityFactory()
    services.create_default_baskets(municipality=municipality)
    run = EvaluationRunFactory(municipality=municipality, status=EvaluationRun.Status.RUNNING)
    signal = SignalFactory(debtor__municipality=municipality, run=run, period=run.period, type="VEHICLE")

    assert signal_services.finish_run(run=run) is True

    item = wait_for(
        lambda: WorkItem.objects.filter(municipality=municipality).select_related("basket").first()
    )
    assert item is not None, "no work item was created by the worker"
    assert (item.debtor_id, list(item.signals.values_list("pk", flat=True))) == (
        signal.debtor_id,
        [signal.pk],
    )
    assert item.basket.name == "Vermogen en voertuig"
