"""Use cases of thresholds: profiles per category with the defaults and the history of changes."""

from decimal import Decimal
from typing import Any

from django.db import transaction

from tenancy.models import Municipality

from . import defaults
from .models import ThresholdChange, ThresholdProfile

# The fields an administrator edits, in the order the screen and the history show them.
EDITABLE_FIELDS = (
    "income_threshold",
    "rise_abs",
    "rise_pct",
    "persistence_months",
    "lookback_months",
    "vow_norm",
    "asset_threshold",
    "vehicle_threshold",
    "enabled_signal_types",
)


def create_default_thresholds(*, municipality: Municipality) -> None:
    """Give a new municipality the default threshold profiles of domain.md section 4."""
    for category in defaults.CATEGORIES:
        ThresholdProfile.objects.get_or_create(
            municipality=municipality,
            category=category,
            defaults={
                **defaults.DEFAULT_VALUES,
                "enabled_signal_types": list(defaults.DEFAULT_ENABLED[category]),
            },
        )


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    if isinstance(value, list | tuple):
        return sorted(value)
    return value


@transaction.atomic
def update_threshold_profile(
    *, profile: ThresholdProfile, values: dict[str, Any], user: Any = None
) -> ThresholdChange | None:
    """Save new values on a profile and record who changed what from which old value; None if nothing changed."""
    locked = ThresholdProfile.objects.select_for_update().get(pk=profile.pk)
    changes = {}
    for name in EDITABLE_FIELDS:
        if name not in values:
            continue
        old, new = _json_value(getattr(locked, name)), _json_value(values[name])
        if old != new:
            changes[name] = [old, new]
            setattr(locked, name, values[name] if name != "enabled_signal_types" else sorted(values[name]))
    if not changes:
        return None
    locked.full_clean()
    locked.save()
    profile.refresh_from_db()
    return ThresholdChange.objects.create(
        municipality_id=locked.municipality_id,
        profile=locked,
        changed_by=user if getattr(user, "pk", None) else None,
        changed_by_name=user.get_username() if getattr(user, "pk", None) else "",
        changes=changes,
    )
