"""Who may see which work baskets and items (django-guardian grants within one municipality)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import CharField, Count, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from tenancy.models import Membership, Role

from .models import WorkBasket, WorkBasketGroupObjectPermission, WorkBasketUserObjectPermission, WorkItem
from .services import TEAM_GROUP_PREFIX, TRIAGE_PERMISSION
from .terms import DUE_SOON_DAYS

TRIAGE_CODENAME = TRIAGE_PERMISSION.split(".")[1]


def sees_every_basket(membership: Membership) -> bool:
    return membership.role in (Role.ADMINISTRATOR, Role.MANAGER)


def can_work(membership: Membership) -> bool:
    """Managers read; consultants and administrators work items."""
    return membership.role in (Role.CONSULTANT, Role.ADMINISTRATOR)


def _team_ids(membership: Membership) -> QuerySet[Any]:
    """The member's team ids, as a subquery."""
    return Membership.teams.through.objects.filter(membership_id=membership.pk).values("team_id")


def granted_basket_ids(*, user: Any, membership: Membership) -> QuerySet[Any]:
    """Return (as a subquery) the ids of the baskets granted to the user or to one of the user's teams."""
    team_groups = (
        Membership.teams.through.objects.filter(membership_id=membership.pk)
        .annotate(group_name=Concat(Value(TEAM_GROUP_PREFIX), Cast("team_id", CharField())))
        .values("group_name")
    )
    by_team = WorkBasketGroupObjectPermission.objects.filter(
        group__name__in=team_groups, permission__codename=TRIAGE_CODENAME
    ).values("content_object_id")
    by_user = WorkBasketUserObjectPermission.objects.filter(
        user=user, permission__codename=TRIAGE_CODENAME
    ).values("content_object_id")
    return WorkBasket.objects.filter(Q(pk__in=by_user) | Q(pk__in=by_team)).values("pk")


def baskets_visible_to(*, user: Any, membership: Membership) -> QuerySet[WorkBasket]:
    """Return the baskets a member may open: all for administrators and managers, else the granted ones."""
    baskets = WorkBasket.objects.for_municipality(membership.municipality_id).order_by("position", "pk")
    if sees_every_basket(membership):
        return baskets
    return baskets.filter(pk__in=granted_basket_ids(user=user, membership=membership))


def items_visible_to(*, user: Any, membership: Membership) -> QuerySet[WorkItem]:
    """Return the items a member may open: those in visible baskets, and items shared with their team."""
    items = WorkItem.objects.for_municipality(membership.municipality_id)
    if sees_every_basket(membership):
        return items
    granted = granted_basket_ids(user=user, membership=membership)
    return items.filter(Q(basket_id__in=granted) | Q(shared_with_id__in=_team_ids(membership)))


def visible_basket_or_404(request: HttpRequest, basket_id: int) -> WorkBasket:
    """Fetch a basket the member may open; another municipality's or an ungranted one is a 404."""
    baskets = baskets_visible_to(user=request.user, membership=request.membership)  # type: ignore[attr-defined]
    return get_object_or_404(baskets, pk=basket_id)


def visible_item_or_404(request: HttpRequest, item_id: int) -> WorkItem:
    """Fetch an item the member may open (its basket is granted, or it is shared with their team)."""
    items = items_visible_to(user=request.user, membership=request.membership)  # type: ignore[attr-defined]
    return get_object_or_404(
        items.select_related("basket", "assignee", "case", "debtor", "shared_with"), pk=item_id
    )


def basket_counts(*, baskets: QuerySet[WorkBasket], today: dt.date) -> QuerySet[WorkBasket]:
    """Annotate baskets with open, new, due-soon and overdue counts in one query."""
    is_open = ~Q(items__status=WorkItem.Status.CLOSED)
    soon = today + dt.timedelta(days=DUE_SOON_DAYS)
    return baskets.annotate(
        open_count=Count("items", filter=is_open),
        new_count=Count("items", filter=Q(items__status=WorkItem.Status.NEW)),
        due_soon_count=Count(
            "items", filter=is_open & Q(items__due_date__gte=today, items__due_date__lte=soon)
        ),
        overdue_count=Count("items", filter=is_open & Q(items__due_date__lt=today)),
    )


def shared_items_count(*, user: Any, membership: Membership) -> int:
    """Count the open items shared with the member's teams outside any granted basket."""
    if sees_every_basket(membership):
        return 0
    return (
        WorkItem.objects.for_municipality(membership.municipality_id)
        .open()
        .filter(shared_with_id__in=_team_ids(membership))
        .exclude(basket_id__in=granted_basket_ids(user=user, membership=membership))
        .count()
    )
