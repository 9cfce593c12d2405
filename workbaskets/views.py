from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from intake.models import ArrearsCase, ArrearsReport
from signals.models import Signal
from tenancy.access import ALL_ROLES, get_owned_or_404, role_required
from tenancy.audit import record_access
from tenancy.models import Role

from . import exports, routing, selectors, services
from .forms import (
    AssignForm,
    BasketForm,
    BulkForm,
    CloseForm,
    ConditionFormSet,
    ContactAttemptForm,
    GrantForm,
    ItemFilterForm,
    NoteForm,
    SaveFilterForm,
    ShareForm,
    StepFormSet,
    condition_initial,
    filled,
    member_users,
)
from .models import (
    SavedFilter,
    WorkBasket,
    WorkBasketGroupObjectPermission,
    WorkBasketUserObjectPermission,
    WorkItem,
)

PAGE_SIZE = 50
FILTER_KEYS = [
    "district",
    "partner_type",
    "signal_type",
    "category",
    "amount_min",
    "amount_max",
    "age_min",
    "age_max",
    "status",
    "assignee",
    "overdue",
    "sort",
]


def _require_worker(request: HttpRequest) -> None:
    if not selectors.can_work(request.membership):  # type: ignore[attr-defined]
        raise PermissionDenied(_("Managers can read work baskets but not change items."))


def _filter_query(request: HttpRequest) -> str:
    return urlencode([(k, v) for k in FILTER_KEYS for v in request.GET.getlist(k) if v])


# --- triage --------------------------------------------------------------------------------------


@role_required(*ALL_ROLES)
def overview(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    today = timezone.localdate()
    baskets = selectors.basket_counts(
        baskets=selectors.baskets_visible_to(user=request.user, membership=membership), today=today
    )
    return render(
        request,
        "workbaskets/overview.html",
        {
            "baskets": baskets,
            "shared_count": selectors.shared_items_count(user=request.user, membership=membership),
            "is_administrator": membership.role == Role.ADMINISTRATOR,
        },
    )


def _item_list(request: HttpRequest, *, basket: WorkBasket | None, items, title: str) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    users = list(member_users(membership.municipality_id))
    filters = ItemFilterForm(
        request.GET or None, municipality_id=membership.municipality_id, user=request.user, users=users
    )
    filtered = filters.apply(items, today=timezone.localdate())
    page = Paginator(filtered.select_related("assignee"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = _filter_query(request)
    saved = (
        SavedFilter.objects.for_municipality(membership.municipality_id).filter(
            user=request.user, basket=basket
        )
        if basket
        else []
    )
    return render(
        request,
        "workbaskets/basket_list.html",
        {
            "basket": basket,
            "title": title,
            "filters": filters,
            "page": page,
            "query": query,
            "saved_filters": saved,
            "save_form": SaveFilterForm(initial={"query": query}),
            "bulk_form": BulkForm(
                items=WorkItem.objects.none(),
                municipality_id=membership.municipality_id,
                users=users,
                auto_id="bulk_%s",
            ),
            "can_work": selectors.can_work(membership),
            "today": timezone.localdate(),
            "item_base": reverse("workbaskets:item-detail", kwargs={"item_id": 0}).removesuffix("0/"),
        },
    )


@role_required(*ALL_ROLES)
def basket_list(request: HttpRequest, basket_id: int) -> HttpResponse:
    basket = selectors.visible_basket_or_404(request, basket_id)
    items = WorkItem.objects.for_municipality(request.municipality).filter(basket=basket)  # type: ignore[attr-defined]
    return _item_list(request, basket=basket, items=items, title=basket.name)


@role_required(*ALL_ROLES)
def shared_list(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    items = WorkItem.objects.for_municipality(membership.municipality_id).filter(
        shared_with_id__in=membership.teams.values("pk")
    )
    return _item_list(request, basket=None, items=items, title=_("Shared with my team"))


@require_POST
@role_required(*ALL_ROLES)
def basket_bulk(request: HttpRequest, basket_id: int) -> HttpResponse:
    basket = selectors.visible_basket_or_404(request, basket_id)
    _require_worker(request)
    items = WorkItem.objects.for_municipality(request.municipality).filter(basket=basket)  # type: ignore[attr-defined]
    form = BulkForm(request.POST, items=items, municipality_id=basket.municipality_id)
    back = f"{basket.get_absolute_url()}?{request.POST.get('query', '')}"
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(back)
    chosen = WorkItem.objects.filter(pk__in=[item.pk for item in form.cleaned_data["items"]])
    if form.cleaned_data["action"] == "assign":
        count = services.assign_items(
            items=chosen, assignee=form.assignee_user(), by=request.user, reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("%(count)d items assigned.") % {"count": count})
    else:
        count = services.change_status(
            items=chosen,
            status=form.cleaned_data["status"],
            by=request.user,
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, _("Status of %(count)d items changed.") % {"count": count})
    return redirect(back)


@role_required(*ALL_ROLES)
def basket_export(request: HttpRequest, basket_id: int) -> HttpResponse:
    basket = selectors.visible_basket_or_404(request, basket_id)
    membership = request.membership  # type: ignore[attr-defined]
    filters = ItemFilterForm(
        request.GET or None, municipality_id=membership.municipality_id, user=request.user
    )
    items = filters.apply(
        WorkItem.objects.for_municipality(membership.municipality_id).filter(basket=basket),
        today=timezone.localdate(),
    )
    file_format = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    rows = exports.list_rows(items)
    record_access(
        municipality=membership.municipality,
        action="export",
        request=request,
        object_type="workbaskets.workbasket",
        object_id=basket.pk,
        detail={"format": file_format, "rows": len(rows), "filter": _filter_query(request)},
    )
    stamp = timezone.localdate().isoformat()
    if file_format == "xlsx":
        response = HttpResponse(
            exports.to_xlsx(exports.LIST_COLUMNS, rows),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        response = HttpResponse(
            exports.to_csv(exports.LIST_COLUMNS, rows), content_type="text/csv; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="werkbakje-{basket.pk}-{stamp}.{file_format}"'
    return response


@require_POST
@role_required(*ALL_ROLES)
def filter_save(request: HttpRequest, basket_id: int) -> HttpResponse:
    basket = selectors.visible_basket_or_404(request, basket_id)
    form = SaveFilterForm(request.POST)
    if form.is_valid():
        SavedFilter.objects.update_or_create(
            municipality_id=basket.municipality_id,
            user=request.user,
            basket=basket,
            name=form.cleaned_data["name"],
            defaults={"query": form.cleaned_data["query"]},
        )
        messages.success(request, _("Filter saved."))
    return redirect(f"{basket.get_absolute_url()}?{request.POST.get('query', '')}")


@require_POST
@role_required(*ALL_ROLES)
def filter_delete(request: HttpRequest, filter_id: int) -> HttpResponse:
    saved = get_owned_or_404(SavedFilter.objects.filter(user=request.user), request, pk=filter_id)
    url = saved.basket.get_absolute_url()
    saved.delete()
    return redirect(url)


# --- the item page -------------------------------------------------------------------------------


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
    _require_worker(request)
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


# --- basket administration -----------------------------------------------------------------------


@role_required(Role.ADMINISTRATOR)
def basket_manage(request: HttpRequest) -> HttpResponse:
    baskets = WorkBasket.objects.for_municipality(request.municipality).order_by("position", "pk")  # type: ignore[attr-defined]
    return render(request, "workbaskets/manage.html", {"baskets": baskets})


@require_POST
@role_required(Role.ADMINISTRATOR)
def basket_move(request: HttpRequest, basket_id: int) -> HttpResponse:
    basket = get_owned_or_404(WorkBasket, request, pk=basket_id)
    services.move_basket(basket=basket, offset=-1 if request.POST.get("direction") == "up" else 1)
    moved = services.reroute_unstarted(municipality=basket.municipality)
    messages.success(request, _("Order saved; %(count)d unstarted items moved.") % {"count": moved})
    return redirect("workbaskets:basket-manage")


@require_POST
@role_required(Role.ADMINISTRATOR)
def basket_reorder(request: HttpRequest) -> HttpResponse:
    try:
        order = [int(pk) for pk in request.POST.getlist("order")]
    except ValueError as error:
        raise Http404 from error
    services.reorder_baskets(municipality=request.municipality, basket_ids=order)  # type: ignore[attr-defined]
    moved = services.reroute_unstarted(municipality=request.municipality)  # type: ignore[attr-defined]
    messages.success(request, _("Order saved; %(count)d unstarted items moved.") % {"count": moved})
    return redirect("workbaskets:basket-manage")


def _proposed(baskets: list[WorkBasket], edited: WorkBasket) -> list[routing.Basket]:
    proposed = [edited.as_routing_basket() if b.pk == edited.pk else b.as_routing_basket() for b in baskets]
    if edited.pk is None:
        proposed.append(edited.as_routing_basket())
    if not edited.is_active:
        proposed = [b for b in proposed if b.key != edited.pk]
    return proposed


@role_required(Role.ADMINISTRATOR)
def basket_edit(request: HttpRequest, basket_id: int | None = None) -> HttpResponse:
    municipality = request.municipality  # type: ignore[attr-defined]
    basket = (
        get_owned_or_404(WorkBasket, request, pk=basket_id)
        if basket_id
        else WorkBasket(municipality=municipality, position=None)
    )
    form = BasketForm(request.POST or None, instance=basket)
    conditions = ConditionFormSet(
        request.POST or None, prefix="conditions", initial=condition_initial(basket)
    )
    steps = StepFormSet(request.POST or None, prefix="steps", initial=basket.treatment_path)
    preview = None
    if request.method == "POST" and form.is_valid() and conditions.is_valid() and steps.is_valid():
        edited = form.save(commit=False)
        edited.conditions = [data["condition"].as_json() for data in filled(conditions)]
        edited.treatment_path = [
            {k: data[k] for k in ("action", "label", "term_days", "working_days")} for data in filled(steps)
        ]
        if "preview" in request.POST:
            others = list(
                WorkBasket.objects.for_municipality(municipality).filter(is_active=True).order_by("position")
            )
            if edited.pk is None:
                edited.pk = 0  # a key for the what-if only; never saved
                preview = services.preview_baskets(
                    municipality=municipality, proposed=_proposed(others, edited)
                )
                edited.pk = None
            else:
                preview = services.preview_baskets(
                    municipality=municipality, proposed=_proposed(others, edited)
                )
        else:
            moved = services.save_basket(basket=edited)
            messages.success(request, _("Basket saved; %(count)d unstarted items moved.") % {"count": moved})
            return redirect("workbaskets:basket-manage")
    return render(
        request,
        "workbaskets/basket_form.html",
        {"basket": basket, "form": form, "conditions": conditions, "steps": steps, "preview": preview},
    )


@role_required(Role.ADMINISTRATOR)
def basket_access(request: HttpRequest, basket_id: int) -> HttpResponse:
    basket = get_owned_or_404(WorkBasket, request, pk=basket_id)
    form = GrantForm(request.POST or None, municipality_id=basket.municipality_id)
    if request.method == "POST":
        if "revoke_user" in request.POST or "revoke_team" in request.POST:
            users = {str(u.pk): u for u in form.fields["user"].queryset}
            teams = {str(t.pk): t for t in form.fields["team"].queryset}
            user, team = (
                users.get(request.POST.get("revoke_user", "")),
                teams.get(request.POST.get("revoke_team", "")),
            )
            if user or team:
                services.revoke_basket(basket=basket, user=user, team=team)
            return redirect("workbaskets:basket-access", basket_id=basket.pk)
        if form.is_valid():
            services.grant_basket(
                basket=basket, user=form.cleaned_data["user"], team=form.cleaned_data["team"]
            )
            messages.success(request, _("Access granted."))
            return redirect("workbaskets:basket-access", basket_id=basket.pk)
    teams = {services.team_group_name(t.pk): t for t in form.fields["team"].queryset}
    granted_teams = [
        teams[name]
        for name in WorkBasketGroupObjectPermission.objects.filter(content_object=basket).values_list(
            "group__name", flat=True
        )
        if name in teams
    ]
    granted_users = [
        p.user
        for p in WorkBasketUserObjectPermission.objects.filter(content_object=basket).select_related("user")
    ]
    return render(
        request,
        "workbaskets/basket_access.html",
        {"basket": basket, "form": form, "granted_users": granted_users, "granted_teams": granted_teams},
    )
