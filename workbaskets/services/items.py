"""The life of a work item: assign, status, notes, contact attempts, steps, closing, sharing."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from intake.models import ArrearsCase, ArrearsReport, Result
from tenancy.models import Team
from workbaskets.models import ContactAttempt, DebtorOutcome, WorkItem, WorkItemEvent

from .placement import due_date_of, timeline_event

OPEN_REPORT_STATUSES = (ArrearsReport.Status.RECEIVED,)


def _one_month_later(day: dt.date) -> dt.date:
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def pick_up_cases(*, case_ids: Sequence[int], now: dt.datetime | None = None) -> None:
    """Mark arrears cases as picked up, so their suppliers see it and pause collection for a month."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    ArrearsCase.objects.filter(pk__in=case_ids, picked_up_at__isnull=True).update(picked_up_at=now)
    ArrearsReport.objects.filter(case_id__in=case_ids, status__in=OPEN_REPORT_STATUSES).update(
        status=ArrearsReport.Status.PICKED_UP,
        picked_up_at=now,
        collection_suspended_until=_one_month_later(today),
        status_changed_at=now,
    )


def _record_contact_on_case(case_id: int, now: dt.datetime) -> None:
    ArrearsCase.objects.filter(pk=case_id, first_contact_at__isnull=True).update(first_contact_at=now)
    ArrearsReport.objects.filter(
        case_id=case_id, status__in=(ArrearsReport.Status.RECEIVED, ArrearsReport.Status.PICKED_UP)
    ).update(status=ArrearsReport.Status.CONTACT_MADE, status_changed_at=now)


NOT_PICKED_UP_RESULTS = {Result.OTHER_REASON, Result.UNJUSTIFIED, Result.REPEAT}


def _close_case(case_id: int, result: str, now: dt.datetime) -> None:
    ArrearsCase.objects.filter(pk=case_id).update(
        status=ArrearsCase.Status.CLOSED, result=result, closed_at=now
    )
    # "Niet opgepakt: andere reden" reaches the supplier as not_picked_up without a result: the
    # supplier's feedback serializer hides the result for that status.
    status = (
        ArrearsReport.Status.NOT_PICKED_UP if result in NOT_PICKED_UP_RESULTS else ArrearsReport.Status.CLOSED
    )
    ArrearsReport.objects.filter(case_id=case_id).exclude(status=ArrearsReport.Status.WITHDRAWN).update(
        status=status, result=result, status_changed_at=now
    )


def _start(items: Sequence[WorkItem], now: dt.datetime) -> None:
    case_ids = [item.case_id for item in items if item.kind == WorkItem.Kind.ARREARS and item.case_id]
    if case_ids:
        pick_up_cases(case_ids=case_ids, now=now)


def _work_items(items: QuerySet[WorkItem] | Sequence[WorkItem]) -> list[WorkItem]:
    return list(items.select_for_update()) if isinstance(items, QuerySet) else list(items)


@transaction.atomic
def assign_items(
    *, items: QuerySet[WorkItem] | Sequence[WorkItem], assignee: Any, by: Any, reason: str = ""
) -> int:
    """Assign open items to a consultant (or to nobody); assigning starts the work."""
    now = timezone.now()
    changed = [item for item in _work_items(items) if item.status != WorkItem.Status.CLOSED]
    name = assignee.get_username() if assignee is not None else _("nobody")
    for item in changed:
        item.assignee = assignee
        if assignee is not None and item.status == WorkItem.Status.NEW:
            item.status = WorkItem.Status.IN_PROGRESS
    WorkItem.objects.bulk_update(changed, ["assignee", "status"])
    text = _("Assigned to %(name)s") % {"name": name} + (f": {reason}" if reason else "")
    WorkItemEvent.objects.bulk_create(
        timeline_event(item, WorkItemEvent.Kind.ASSIGNED, text, by) for item in changed
    )
    if assignee is not None:
        _start(changed, now)
    return len(changed)


@transaction.atomic
def change_status(
    *, items: QuerySet[WorkItem] | Sequence[WorkItem], status: str, by: Any, reason: str
) -> int:
    """Change the status of open items (not closing: that needs an outcome), with a reason."""
    if status == WorkItem.Status.CLOSED or status not in WorkItem.Status.values:
        raise ValidationError(_("Close an item with an outcome instead."))
    if not reason.strip():
        raise ValidationError(_("Give a reason for the status change."))
    now = timezone.now()
    changed = [item for item in _work_items(items) if item.status not in (WorkItem.Status.CLOSED, status)]
    for item in changed:
        item.status = status
    WorkItem.objects.bulk_update(changed, ["status"])
    label = WorkItem.Status(status).label
    WorkItemEvent.objects.bulk_create(
        timeline_event(item, WorkItemEvent.Kind.STATUS, f"{label}: {reason.strip()}", by) for item in changed
    )
    if status != WorkItem.Status.NEW:
        _start(changed, now)
    return len(changed)


def add_note(*, item: WorkItem, text: str, by: Any) -> WorkItemEvent:
    """Add a note to an item's timeline."""
    if not text.strip():
        raise ValidationError(_("A note needs text."))
    return WorkItemEvent.objects.create(
        municipality_id=item.municipality_id,
        work_item=item,
        kind=WorkItemEvent.Kind.NOTE,
        text=text.strip(),
        user=by,
    )


@transaction.atomic
def record_contact_attempt(
    *,
    item: WorkItem,
    kind: str,
    reached: bool,
    date: dt.date,
    part_of_day: str,
    by: Any,
    note: str = "",
) -> ContactAttempt:
    """Record a try to reach the person; a reached person counts as first contact on the case."""
    if item.status == WorkItem.Status.CLOSED:
        raise ValidationError(_("This item is closed."))
    now = timezone.now()
    attempt = ContactAttempt.objects.create(
        municipality_id=item.municipality_id,
        work_item=item,
        kind=kind,
        reached=reached,
        date=date,
        part_of_day=part_of_day,
        note=note,
        user=by,
    )
    if item.status == WorkItem.Status.NEW:
        item.status = WorkItem.Status.IN_PROGRESS
        item.save(update_fields=["status", "updated_at"])
    outcome = _("reached") if reached else _("not reached")
    WorkItemEvent.objects.create(
        municipality_id=item.municipality_id,
        work_item=item,
        kind=WorkItemEvent.Kind.CONTACT,
        text=f"{attempt.get_kind_display()}, {date:%d-%m-%Y} {attempt.get_part_of_day_display()}: {outcome}"
        + (f". {note}" if note else ""),
        user=by,
    )
    if item.kind == WorkItem.Kind.ARREARS and item.case_id:
        pick_up_cases(case_ids=[item.case_id], now=now)
        if reached:
            _record_contact_on_case(item.case_id, now)
    return attempt


@transaction.atomic
def advance_step(*, item: WorkItem, by: Any, today: dt.date | None = None) -> None:
    """Move an item to the next step of its basket's treatment path."""
    today = today or timezone.localdate()
    steps = item.basket.steps
    if item.status == WorkItem.Status.CLOSED or item.step + 1 >= len(steps):
        raise ValidationError(_("There is no next step on this treatment path."))
    item.step += 1
    item.step_started_on = today
    if item.status == WorkItem.Status.NEW:
        item.status = WorkItem.Status.IN_PROGRESS
    item.due_date = due_date_of(item, item.basket.as_routing_basket(), today)
    item.save(update_fields=["step", "step_started_on", "status", "due_date", "updated_at"])
    WorkItemEvent.objects.create(
        municipality_id=item.municipality_id,
        work_item=item,
        kind=WorkItemEvent.Kind.STEP,
        text=steps[item.step].label,
        user=by,
    )
    _start([item], timezone.now())


def outcome_choices(kind: str) -> list[tuple[str, str]]:
    if kind == WorkItem.Kind.ARREARS:
        return list(Result.choices)
    return list(DebtorOutcome.choices)


@transaction.atomic
def close_item(*, item: WorkItem, outcome: str, by: Any, note: str = "") -> None:
    """Close an item with an outcome: a DDAS result for arrears, a debtor outcome otherwise."""
    if item.status == WorkItem.Status.CLOSED:
        raise ValidationError(_("This item is already closed."))
    if outcome not in dict(outcome_choices(item.kind)):
        raise ValidationError(_("Choose an outcome that fits this item."))
    now = timezone.now()
    item.status = WorkItem.Status.CLOSED
    item.outcome = outcome
    item.closed_at = now
    item.has_new_signals = False
    item.save(update_fields=["status", "outcome", "closed_at", "has_new_signals", "updated_at"])
    label = dict(outcome_choices(item.kind))[outcome]
    WorkItemEvent.objects.create(
        municipality_id=item.municipality_id,
        work_item=item,
        kind=WorkItemEvent.Kind.CLOSED,
        text=str(label) + (f": {note}" if note else ""),
        user=by,
    )
    if item.kind == WorkItem.Kind.ARREARS and item.case_id:
        _close_case(item.case_id, outcome, now)


def acknowledge_new_signals(*, item: WorkItem, by: Any) -> None:
    """Clear the new-signals flag once the consultant has looked at them."""
    item.has_new_signals = False
    item.save(update_fields=["has_new_signals", "updated_at"])


def share_item(*, item: WorkItem, team: Team | None, by: Any) -> None:
    """Share one item with a wijkteam (or stop sharing it)."""
    if team is not None and team.municipality_id != item.municipality_id:
        raise ValidationError(_("The team belongs to another municipality."))
    item.shared_with = team
    item.save(update_fields=["shared_with", "updated_at"])
    text = _("Shared with %(team)s") % {"team": team.name} if team else _("No longer shared")
    WorkItemEvent.objects.create(
        municipality_id=item.municipality_id,
        work_item=item,
        kind=WorkItemEvent.Kind.SHARED,
        text=text,
        user=by,
    )
