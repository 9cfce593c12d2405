"""Baskets of a municipality: defaults, order, the what-if of a change, and saving one."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Max

from tenancy.models import Municipality
from workbaskets import routing
from workbaskets.models import WorkBasket, WorkItem

from .facts import facts_from_json
from .placement import reroute_unstarted


def _basket_fields(basket: routing.Basket) -> dict[str, Any]:
    return {
        "match_mode": str(basket.match_mode),
        "conditions": [condition.as_json() for condition in basket.conditions],
        "treatment_path": [
            {"action": s.action, "label": s.label, "term_days": s.term_days, "working_days": s.working_days}
            for s in basket.steps
        ],
    }


@transaction.atomic
def create_default_baskets(*, municipality: Municipality) -> None:
    """Give a new municipality the default work baskets of domain.md section 6."""
    if WorkBasket.objects.for_municipality(municipality).exists():
        return
    WorkBasket.objects.bulk_create(
        WorkBasket(municipality=municipality, name=basket.name, position=index, **_basket_fields(basket))
        for index, basket in enumerate(routing.DEFAULT_BASKETS, start=1)
    )


@transaction.atomic
def move_basket(*, basket: WorkBasket, offset: int) -> None:
    """Move a basket up (offset -1) or down (+1) in the routing order."""
    ordered = list(WorkBasket.objects.for_municipality(basket.municipality_id).order_by("position", "pk"))
    index = next(i for i, b in enumerate(ordered) if b.pk == basket.pk)
    target = max(0, min(len(ordered) - 1, index + offset))
    ordered.insert(target, ordered.pop(index))
    _renumber(ordered)


@transaction.atomic
def reorder_baskets(*, municipality: Municipality, basket_ids: Sequence[int]) -> None:
    """Put the baskets in the given order; ids of other municipalities are ignored."""
    baskets = {b.pk: b for b in WorkBasket.objects.for_municipality(municipality)}
    ordered = [baskets.pop(pk) for pk in basket_ids if pk in baskets]
    ordered += sorted(baskets.values(), key=lambda b: b.position)
    _renumber(ordered)


def _renumber(ordered: list[WorkBasket]) -> None:
    for position, basket in enumerate(ordered, start=1):
        basket.position = position
    WorkBasket.objects.bulk_update(ordered, ["position"])


@dataclass
class Preview:
    """What would happen to the open items if the proposed baskets were saved."""

    moves: dict[tuple[str, str], int] = field(default_factory=dict)  # (from, to) -> unstarted items moving
    started_staying: int = 0  # started items whose basket would differ but that stay where they are
    unchanged: int = 0

    @property
    def moving(self) -> int:
        return sum(self.moves.values())


def preview_baskets(*, municipality: Municipality, proposed: Sequence[routing.Basket]) -> Preview:
    """Route the open items against proposed baskets without saving anything (the what-if)."""
    if not proposed:
        return Preview()
    names = {b.pk: b.name for b in WorkBasket.objects.for_municipality(municipality)}
    names.update({b.key: b.name for b in proposed})
    rows = list(
        WorkItem.objects.for_municipality(municipality)
        .open()
        .values_list("pk", "basket_id", "status", "assignee_id", "facts")
    )
    decisions = routing.route([facts_from_json(pk, facts) for pk, _b, _s, _a, facts in rows], proposed)
    preview = Preview()
    moves: dict[tuple[str, str], int] = defaultdict(int)
    for (_pk, basket_id, status, assignee_id, _facts), decision in zip(rows, decisions, strict=True):
        if decision.basket_key == basket_id:
            preview.unchanged += 1
        elif status == WorkItem.Status.NEW and assignee_id is None:
            moves[(names.get(basket_id, "?"), names.get(decision.basket_key, "?"))] += 1
        else:
            preview.started_staying += 1
    preview.moves = dict(sorted(moves.items()))
    return preview


@transaction.atomic
def save_basket(*, basket: WorkBasket, reroute: bool = True) -> int:
    """Save a basket's configuration and move the unstarted items it now catches or loses."""
    if basket.position is None:
        last = WorkBasket.objects.for_municipality(basket.municipality_id).aggregate(last=Max("position"))[
            "last"
        ]
        basket.position = (last or 0) + 1
    basket.full_clean()
    basket.save()
    return reroute_unstarted(municipality=basket.municipality) if reroute else 0
