"""Use cases of per-debtor exclusions from signals: add, change and end them, each in the audit trail."""

from datetime import date
from typing import Any

from django.db import transaction
from django.http import HttpRequest

from intake.models import Debtor
from tenancy.audit import record_access
from tenancy.models import AuditLogEntry, Municipality

from .models import DebtorExclusion

EDITABLE_FIELDS = ("reason", "starts_on", "ends_on")


def _audit(
    *, exclusion: DebtorExclusion, changes: dict[str, list[str]], user: Any, request: HttpRequest | None
) -> None:
    # Excluding a person from signals changes what happens to them: who did it, and when, must be traceable.
    record_access(
        municipality=exclusion.municipality,
        action=AuditLogEntry.Action.CHANGE,
        request=request,
        user=user,
        obj=exclusion,
        person_ref=exclusion.debtor.debtor_ref,
        detail={"changes": changes},
    )


@transaction.atomic
def add_exclusion(
    *,
    municipality: Municipality,
    debtor: Debtor,
    reason: str,
    starts_on: date,
    ends_on: date,
    user: Any,
    request: HttpRequest | None = None,
) -> DebtorExclusion:
    """Exclude a debtor from signals from `starts_on` up to and including `ends_on`."""
    exclusion = DebtorExclusion.objects.create(
        municipality=municipality,
        debtor=debtor,
        reason=reason,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=user if getattr(user, "pk", None) else None,
    )
    changes = {name: ["", str(getattr(exclusion, name))] for name in EDITABLE_FIELDS}
    _audit(exclusion=exclusion, changes=changes, user=user, request=request)
    return exclusion


@transaction.atomic
def change_exclusion(
    *, exclusion: DebtorExclusion, values: dict[str, Any], user: Any, request: HttpRequest | None = None
) -> dict[str, list[str]]:
    """Change the reason or dates of an exclusion; return {field: [old, new]} (empty if nothing changed)."""
    locked = DebtorExclusion.objects.select_for_update().select_related("debtor").get(pk=exclusion.pk)
    changes = {}
    for name in EDITABLE_FIELDS:
        old, new = getattr(locked, name), values[name]
        if old != new:
            changes[name] = [str(old), str(new)]
            setattr(locked, name, new)
    if changes:
        locked.save(update_fields=list(changes))
        _audit(exclusion=locked, changes=changes, user=user, request=request)
    return changes


def end_exclusion(
    *, exclusion: DebtorExclusion, today: date, user: Any, request: HttpRequest | None = None
) -> bool:
    """End an exclusion today (it still covers today); False if it had ended already."""
    if exclusion.ends_on <= today:
        return False
    values = {"reason": exclusion.reason, "starts_on": exclusion.starts_on, "ends_on": today}
    return bool(change_exclusion(exclusion=exclusion, values=values, user=user, request=request))
