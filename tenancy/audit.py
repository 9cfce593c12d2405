"""Write the append-only audit trail of views and exports of personal data (domain.md section 2)."""

from typing import Any

from django.db.models import Model
from django.http import HttpRequest

from .models import AuditLogEntry, Municipality


def record_access(
    *,
    municipality: Municipality,
    action: str,
    request: HttpRequest | None = None,
    user: Any = None,
    actor: str = "",
    obj: Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    person_ref: str = "",
    work_item_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditLogEntry:
    """Record that someone viewed or exported a person's data. Never pass a BSN."""
    if request is not None and user is None and request.user.is_authenticated:
        user = request.user
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    return AuditLogEntry.objects.create(
        municipality=municipality,
        user=user if getattr(user, "pk", None) else None,
        actor=actor or (user.get_username() if user is not None else "system"),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        person_ref=person_ref,
        work_item_id=work_item_id,
        detail=detail or {},
        ip_address=request.META.get("REMOTE_ADDR") if request is not None else None,
    )
