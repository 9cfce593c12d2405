"""The what-if as a task: the same numbers as the service (and so as a real run), with progress."""

import datetime
import time
from dataclasses import replace
from decimal import Decimal

import pytest
from django.db import connection

from signals import services, tasks, what_if
from signals.models import Signal, WhatIf
from thresholds import services as thresholds_services
from thresholds.models import ThresholdProfile

from . import scenario

# The change of test_what_if_equals_a_real_run_with_the_new_values on the payer screen.
PAYER_CHANGE = {"asset_threshold": Decimal(9500), "vehicle_threshold": Decimal(100)}


def payer_profile(municipality) -> ThresholdProfile:
    return ThresholdProfile.objects.get(municipality=municipality, category="payer")


def payer_values(municipality) -> dict:
    """The payer screen's form values: the stored ones with PAYER_CHANGE applied."""
    profile = payer_profile(municipality)
    return {name: getattr(profile, name) for name in thresholds_services.EDITABLE_FIELDS} | PAYER_CHANGE


def service_counts(municipality) -> dict[str, int]:
    thresholds = services.current_thresholds(municipality=municipality)
    thresholds["payer"] = replace(thresholds["payer"], assets=Decimal(9500), vehicle_value=Decimal(100))
    return services.what_if_counts(municipality=municipality, period=scenario.JANUARY, thresholds=thresholds)


@pytest.mark.django_db
def test_task_counts_what_the_service_counts_and_records_progress(
    municipality, django_capture_on_commit_callbacks
):
    scenario.build(municipality)
    scenario.run_inline(municipality)

    with django_capture_on_commit_callbacks() as callbacks:
        job = what_if.start_what_if(profile=payer_profile(municipality), values=payer_values(municipality))
    tasks.count_what_if(job.pk)

    job.refresh_from_db()
    assert len(callbacks) == 1
    assert (job.status, job.period, job.debtors_done, job.debtors_total) == (
        "finished",
        scenario.JANUARY,
        9,
        9,
    )
    # Literal numbers: the task must not merely agree with the functions it calls.
    others = dict.fromkeys(
        ["INCOME_RISE", "NEW_INCOME_SOURCE", "VOW_FOUND_ABOVE_NORM", "VOW_FOUND_BELOW_NORM",
         "INCOME_ABOVE_THRESHOLD", "INCOME_ABOVE_AFTER_DROP"],
        1,
    )  # fmt: skip
    assert job.counts == {"ASSETS": 0, "VEHICLE": 1, **others}
    assert job.actual_counts == {"ASSETS": 1, "VEHICLE": 1, **others}
    assert str(payer_profile(municipality).asset_threshold) == "7500.00"  # nothing saved


@pytest.mark.django_db
def test_a_finished_what_if_is_not_counted_again(municipality):
    scenario.build(municipality)
    scenario.run_inline(municipality)
    job = what_if.start_what_if(profile=payer_profile(municipality), values=payer_values(municipality))
    tasks.count_what_if(job.pk)
    WhatIf.objects.filter(pk=job.pk).update(counts={"ASSETS": 99})

    tasks.count_what_if(job.pk)

    assert WhatIf.objects.get(pk=job.pk).counts == {"ASSETS": 99}


@pytest.mark.django_db
def test_no_what_if_without_an_evaluated_period(municipality):
    scenario.build(municipality)

    assert (
        what_if.start_what_if(profile=payer_profile(municipality), values=payer_values(municipality)) is None
    )
    assert not WhatIf.objects.exists()


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_task_on_a_real_worker_gives_the_numbers_of_a_real_run(celery_worker, municipality):
    if connection.vendor != "postgresql":
        pytest.skip("the worker thread and the run write one SQLite database at once (table locks)")
    scenario.build(municipality)
    scenario.run_inline(municipality)
    expected = service_counts(municipality)

    job = what_if.start_what_if(profile=payer_profile(municipality), values=payer_values(municipality))
    deadline = time.monotonic() + 120  # only stops a hung test; no speed is asserted
    while WhatIf.objects.get(pk=job.pk).status != "finished" and time.monotonic() < deadline:
        time.sleep(0.1)

    job.refresh_from_db()
    assert (job.status, job.debtors_done, job.debtors_total) == ("finished", 9, 9)
    assert job.counts == expected
    ThresholdProfile.objects.filter(pk=job.profile_id).update(asset_threshold=9500, vehicle_threshold=100)
    Signal.objects.filter(municipality=municipality).delete()  # a rerun adds signals, never removes them
    scenario.run_inline(municipality, rerun=True)
    assert job.counts == services.stored_counts_per_type(municipality=municipality, period=scenario.JANUARY)


@pytest.mark.django_db
def test_a_what_if_whose_message_was_lost_is_queued_again_by_the_sweep(municipality):
    scenario.build(municipality)
    scenario.run_inline(municipality)
    job = what_if.start_what_if(profile=payer_profile(municipality), values=payer_values(municipality))
    later = job.created_at + datetime.timedelta(minutes=services.STALLED_RUN_MINUTES + 1)

    assert services.resume_stalled_runs(now=job.created_at) == 0  # too fresh: its message may come
    assert services.resume_stalled_runs(now=later) == 1
    tasks.count_what_if(job.pk)  # what the queued message does
    assert services.resume_stalled_runs(now=later) == 0  # finished: nothing left to queue
