"""The item page and its actions: assign, note, contact attempt, next step, close, share."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from intake.models import ArrearsCase, ArrearsReport
from signals.models import Signal
from tenancy.access import ALL_ROLES, role_required
from tenancy.audit import record_access
from workbaskets import selectors, services
from workbaskets.forms import AssignForm, CloseForm, ContactAttemptForm, NoteForm, ShareForm
from workbaskets.models import WorkItem

from .triage import require_worker


@role_required(*ALL_ROLES)
def item_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    item = selectors.visible_item_or_404(request, item_id)
    membership = request.membership  # type: ignore[attr-defined]
    signals = list(item.signals.order_by("-period", "type"))
    other_signals = []
    open_cases = []
    if item.debtor_id:
        other_signals = list(
            Signal.objects.for_municipality(item.municipality_id)
            .filter(debtor_id=item.debtor_id)
            .exclude(pk__in=[s.pk for s in signals])
            .order_by("-period", "type")[:50]
        )
        open_cases = list(
            ArrearsCase.objects.for_municipality(item.municipality_id)
            .filter(debtor_id=item.debtor_id, status=ArrearsCase.Status.OPEN)
            .prefetch_related(Prefetch("reports", queryset=ArrearsReport.objects.select_related("supplier")))
        )
    case_reports = (
        list(ArrearsReport.objects.filter(case_id=item.case_id).select_related("supplier"))
        if item.case_id
        else []
    )
    record_access(
        municipality=membership.municipality,
        action="view",
        request=request,
        obj=item,
        person_ref=item.person_ref,
        work_item_id=item.pk,
    )
    steps = item.basket.steps
    return render(
        request,
        "workbaskets/item_detail.html",
        {
            "item": item,
            "signals": signals,
            "other_signals": other_signals,
            "open_cases": open_cases,
            "case_reports": case_reports,
            "events": item.events.select_related("user"),
            "contact_attempts": item.contact_attempts.select_related("user"),
            "steps": steps,
            "current_step": steps[item.step] if item.step < len(steps) else None,
            "has_next_step": item.step + 1 < len(steps),
            "can_work": selectors.can_work(membership) and item.status != WorkItem.Status.CLOSED,
            "assign_form": AssignForm(
                municipality_id=item.municipality_id, initial={"assignee": item.assignee_id or ""}
            ),
            "note_form": NoteForm(),
            "contact_form": ContactAttemptForm(),
            "close_form": CloseForm(choices=services.outcome_choices(item.kind)),
            "share_form": ShareForm(
                municipality_id=item.municipality_id, initial={"team": item.shared_with_id}
            ),
            "today": timezone.localdate(),
        },
    )


def _item_action(request: HttpRequest, item_id: int) -> WorkItem:
    item = selectors.visible_item_or_404(request, item_id)
    require_worker(request)
    return item


def _done(request: HttpRequest, item: WorkItem, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect(item.get_absolute_url())


def _failed(request: HttpRequest, item: WorkItem, errors: object) -> HttpResponse:
    if isinstance(errors, ValidationError):
        text = " ".join(errors.messages)
    else:
        text = " ".join(str(e) for field_errors in errors.values() for e in field_errors)  # type: ignore[attr-defined]
    messages.error(request, text)
    return redirect(item.get_absolute_url())


@require_POST
@role_required(*ALL_ROLES)
def item_assign(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _item_action(request, item_id)
    form = AssignForm(request.POST, municipality_id=item.municipality_id)
    if not form.is_valid():
        return _failed(request, item, form.errors)
    services.assign_items(items=[item], assignee=form.assignee_user(), by=request.user)
    return _done(request, item, _("Assignment saved."))


@require_POST
@role_required(*ALL_ROLES)
def item_note(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _item_action(request, item_id)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _failed(request, item, form.errors)
    services.add_note(item=item, text=form.cleaned_data["text"], by=request.user)
    return _done(request, item, _("Note added."))


@require_POST
@role_required(*ALL_ROLES)
def item_contact(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _item_action(request, item_id)
    form = ContactAttemptForm(request.POST)
    if not form.is_valid():
        return _failed(request, item, form.errors)
    try:
        services.record_contact_attempt(item=item, by=request.user, **form.cleaned_data)
    except ValidationError as error:
        return _failed(request, item, error)
    return _done(request, item, _("Contact attempt recorded."))


@require_POST
@role_required(*ALL_ROLES)
def item_advance(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _item_action(request, item_id)
    try:
        services.advance_step(item=item, by=request.user)
    except ValidationError as error:
        return _failed(request, item, error)
    return _done(request, item, _("Moved to the next step."))


@require_POST
@role_required(*ALL_ROLES)
def item_close(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _item_action(request, item_id)
    form = CloseForm(request.POST, choices=services.outcome_choices(item.kind))
    if not form.is_valid():
        return _failed(request, item, form.errors)
    try:
        services.close_item(
            item=item, outcome=form.cleaned_data["outcome"], note=form.cleaned_data["note"], by=request.user
        )
    except ValidationError as error:
        return _failed(request, item, error)
    return _done(request, item, _("Item closed."))


@require_POST
@role_required(*ALL_ROLES)
def item_share(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _item_action(request, item_id)
    form = ShareForm(request.POST, municipality_id=item.municipality_id)
    if not form.is_valid():
        return _failed(request, item, form.errors)
    services.share_item(item=item, team=form.cleaned_data["team"], by=request.user)
    return _done(request, item, _("Sharing saved."))


@require_POST
@role_required(*ALL_ROLES)
def item_acknowledge(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _item_action(request, item_id)
    services.acknowledge_new_signals(item=item, by=request.user)
    return _done(request, item, _("New signals marked as seen."))
