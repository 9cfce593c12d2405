"""Triage: the basket overview, basket lists with filters, bulk actions, exports and saved filters."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tenancy.access import ALL_ROLES, get_owned_or_404, role_required
from tenancy.audit import record_access
from tenancy.models import Role
from workbaskets import exports, selectors, services
from workbaskets.forms import BulkForm, ItemFilterForm, SaveFilterForm, member_users
from workbaskets.models import SavedFilter, WorkBasket, WorkItem

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


def require_worker(request: HttpRequest) -> None:
    if not selectors.can_work(request.membership):  # type: ignore[attr-defined]
        raise PermissionDenied(_("Managers can read work baskets but not change items."))


def _filter_query(request: HttpRequest) -> str:
    return urlencode([(k, v) for k in FILTER_KEYS for v in request.GET.getlist(k) if v])


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
    require_worker(request)
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
