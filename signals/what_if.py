"""The what-if of changed thresholds as a job: a task counts it, so a million debtors never hold a request."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from thresholds.models import ThresholdProfile

from . import rules, services, tasks
from .models import WhatIf


def proposed_thresholds(*, profile: ThresholdProfile, values: dict[str, Any]) -> dict[str, rules.Thresholds]:
    """Return the municipality's thresholds with the edited profile's form values in place of its own."""
    thresholds = services.current_thresholds(municipality=profile.municipality)
    thresholds[profile.category] = rules.Thresholds(
        income=values["income_threshold"],
        rise_abs=values["rise_abs"],
        rise_pct=values["rise_pct"],
        persistence=values["persistence_months"],
        look_back=values["lookback_months"],
        vow_norm=values["vow_norm"],
        assets=values["asset_threshold"],
        vehicle_value=values["vehicle_threshold"],
        enabled=frozenset(rules.SignalType(t) for t in values["enabled_signal_types"]),
    )
    return thresholds


def start_what_if(*, profile: ThresholdProfile, values: dict[str, Any], user: Any = None) -> WhatIf | None:
    """Queue counting what `values` would have given in the last evaluated period; None if there is none."""
    period = services.last_evaluated_period(municipality=profile.municipality)
    if period is None:
        return None
    what_if = WhatIf.objects.create(
        municipality=profile.municipality,
        profile=profile,
        period=period,
        thresholds=services.thresholds_to_json(proposed_thresholds(profile=profile, values=values)),
        created_by=user if getattr(user, "pk", None) else None,
    )
    # Without a broker the task runs right here (the embedded default), so the caller re-reads the row;
    # with the broker down it waits for the stalled-work sweep.
    services.enqueue_after_commit([(tasks.count_what_if, what_if.pk)])
    return what_if


def count_what_if(*, what_if_id: int) -> None:
    """Count the signals of a what-if and store them next to the actual counts; safe to run twice."""
    # RUNNING is claimable too: a killed worker's task comes back and counts again from the start.
    claimed = WhatIf.objects.filter(
        pk=what_if_id, status__in=[WhatIf.Status.PENDING, WhatIf.Status.RUNNING]
    ).update(status=WhatIf.Status.RUNNING, debtors_done=0)
    if not claimed:
        return
    what_if = WhatIf.objects.select_related("municipality").get(pk=what_if_id)

    def advance(done: int, total: int) -> None:
        WhatIf.objects.filter(pk=what_if_id).update(debtors_done=done, debtors_total=total)

    counts = services.what_if_counts(
        municipality=what_if.municipality,
        period=what_if.period,
        thresholds=services.thresholds_from_json(what_if.thresholds),
        on_progress=advance,
    )
    actual = services.stored_counts_per_type(municipality=what_if.municipality, period=what_if.period)
    WhatIf.objects.filter(pk=what_if_id).update(
        status=WhatIf.Status.FINISHED, counts=counts, actual_counts=actual, finished_at=timezone.now()
    )


def mark_failed(*, what_if_id: int) -> None:
    """Give up on a what-if whose counting failed."""
    WhatIf.objects.filter(pk=what_if_id, status=WhatIf.Status.RUNNING).update(
        status=WhatIf.Status.FAILED, finished_at=timezone.now()
    )
