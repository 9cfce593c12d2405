"""Set-based routing of new signals and cases into work items, and re-routing of unstarted items."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from intake.models import ArrearsCase
from signals.models import Signal
from tenancy.models import Municipality
from workbaskets import routing, terms
from workbaskets.models import WorkBasket, WorkItem, WorkItemEvent

from .facts import BATCH, Facts, chunks, columns, facts_from_json, facts_of_cases, facts_of_debtors


def _decision_json(decision: routing.Decision, names: dict[Any, str], now: dt.datetime) -> dict[str, Any]:
    return {
        "basket_id": decision.basket_key,
        "basket": names[decision.basket_key],
        "matched": [condition.as_json() for condition in decision.matched],
        "catch_all": decision.is_catch_all,
        "explanation": decision.explain(),
        "at": now.isoformat(),
    }


def due_date_of(item: WorkItem, basket: routing.Basket, today: dt.date) -> dt.date | None:
    step = basket.steps[item.step] if item.step < len(basket.steps) else None
    legal = item.legal_due_date if item.kind == WorkItem.Kind.ARREARS and not item.is_started else None
    return terms.item_due(
        step_start=item.step_started_on or today,
        term_days=step.term_days if step else None,
        working_days=step.working_days if step else False,
        legal=legal,
    )


def routing_baskets(*, municipality: Municipality) -> list[routing.Basket]:
    """Return the active baskets of a municipality in routing order."""
    baskets = (
        WorkBasket.objects.for_municipality(municipality).filter(is_active=True).order_by("position", "pk")
    )
    return [basket.as_routing_basket() for basket in baskets]


@dataclass
class RoutingResult:
    created: int = 0
    rerouted: int = 0
    flagged: int = 0


@transaction.atomic
def route_new_work(*, municipality: Municipality, today: dt.date | None = None) -> RoutingResult:
    """Route every signal and case without a work item, in one pass, and re-route unstarted items."""
    today = today or timezone.localdate()
    now = timezone.now()
    baskets = routing_baskets(municipality=municipality)
    if not baskets:
        return RoutingResult()
    by_key = {basket.key: basket for basket in baskets}
    names = {basket.key: basket.name for basket in baskets}
    result = RoutingResult()

    # Debtor signals: all open signals of one person form one item.
    new_signals = list(
        Signal.objects.for_municipality(municipality)
        .filter(work_items__isnull=True)
        .values("pk", "debtor_id", "type", "category", "evidence", "has_open_arrears")
    )
    new_by_debtor: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for signal in new_signals:
        new_by_debtor[signal["debtor_id"]].append(signal)
    open_items = {
        item.debtor_id: item
        for chunk in chunks(new_by_debtor)
        for item in WorkItem.objects.for_municipality(municipality)
        .open()
        .filter(kind=WorkItem.Kind.DEBTOR_SIGNAL, debtor_id__in=chunk)
    }
    all_by_debtor: dict[int, list[dict[str, Any]]] = defaultdict(list)
    through = WorkItem.signals.through
    linked = (
        row
        for chunk in chunks(item.pk for item in open_items.values())
        for row in through.objects.filter(workitem_id__in=chunk).values(
            "workitem__debtor_id",
            "signal_id",
            "signal__type",
            "signal__category",
            "signal__evidence",
            "signal__has_open_arrears",
        )
    )
    for row in linked:
        all_by_debtor[row["workitem__debtor_id"]].append(
            {
                "pk": row["signal_id"],
                "type": row["signal__type"],
                "category": row["signal__category"],
                "evidence": row["signal__evidence"],
                "has_open_arrears": row["signal__has_open_arrears"],
            }
        )
    for debtor_id, signals in new_by_debtor.items():
        all_by_debtor[debtor_id].extend(signals)
    debtor_facts = facts_of_debtors(
        municipality=municipality, signals_by_debtor=dict(all_by_debtor), today=today
    )

    to_route = [
        f.facts for debtor_id, f in debtor_facts.items() if not _is_started(open_items.get(debtor_id))
    ]
    decisions = {d.item_key: d for d in routing.route(to_route, baskets)}
    new_items, changed_items, events = [], [], []
    for debtor_id, found in debtor_facts.items():
        item = open_items.get(debtor_id)
        if item is None:
            item = WorkItem(municipality=municipality, kind=WorkItem.Kind.DEBTOR_SIGNAL, debtor_id=debtor_id)
            _place(item, decisions[debtor_id], found, by_key, names, now, today)
            new_items.append(item)
        elif debtor_id in decisions:
            moved = _place(item, decisions[debtor_id], found, by_key, names, now, today)
            changed_items.append(item)
            result.rerouted += 1
            events.append(
                timeline_event(item, WorkItemEvent.Kind.REROUTED if moved else WorkItemEvent.Kind.NEW_SIGNALS)
            )
        else:
            for name, value in {**found.columns, **columns(found.facts)}.items():
                setattr(item, name, value)
            item.has_new_signals = True
            changed_items.append(item)
            result.flagged += 1
            events.append(timeline_event(item, WorkItemEvent.Kind.NEW_SIGNALS))
    WorkItem.objects.bulk_create(new_items, batch_size=BATCH)
    result.created += len(new_items)
    events += [timeline_event(item, WorkItemEvent.Kind.ROUTED) for item in new_items]
    item_by_debtor = {item.debtor_id: item for item in [*new_items, *open_items.values()]}
    through.objects.bulk_create(
        [through(workitem_id=item_by_debtor[s["debtor_id"]].pk, signal_id=s["pk"]) for s in new_signals],
        batch_size=BATCH,
        ignore_conflicts=True,
    )

    # Arrears: one item per open case; cases of unstarted items are routed again with their new reports.
    cases = list(
        ArrearsCase.objects.for_municipality(municipality).filter(
            status=ArrearsCase.Status.OPEN, work_item__isnull=True
        )
    )
    unstarted = list(
        WorkItem.objects.for_municipality(municipality)
        .unstarted()
        .filter(kind=WorkItem.Kind.ARREARS)
        .select_related("case")
    )
    case_facts = facts_of_cases(cases=[*cases, *(item.case for item in unstarted)], today=today)
    decisions = {d.item_key: d for d in routing.route([f.facts for f in case_facts.values()], baskets)}
    case_items = []
    for case in cases:
        item = WorkItem(
            municipality=municipality, kind=WorkItem.Kind.ARREARS, case=case, debtor_id=case.debtor_id
        )
        _place(item, decisions[case.pk], case_facts[case.pk], by_key, names, now, today)
        case_items.append(item)
    for item in unstarted:
        previous = (item.basket_id, item.facts)
        moved = _place(item, decisions[item.case_id], case_facts[item.case_id], by_key, names, now, today)
        if moved or previous[1] != item.facts:
            changed_items.append(item)
            result.rerouted += 1
            if moved:
                events.append(timeline_event(item, WorkItemEvent.Kind.REROUTED))
    WorkItem.objects.bulk_create(case_items, batch_size=BATCH)
    result.created += len(case_items)
    events += [timeline_event(item, WorkItemEvent.Kind.ROUTED) for item in case_items]

    WorkItem.objects.bulk_update(
        changed_items,
        [
            "basket",
            "routing",
            "step",
            "step_started_on",
            "due_date",
            "has_new_signals",
            "legal_due_date",
            "person_ref",
            "display_name",
            *columns(routing.ItemFacts(key=0)).keys(),
        ],
        batch_size=BATCH,
    )
    WorkItemEvent.objects.bulk_create(events, batch_size=BATCH)
    return result


def _is_started(item: WorkItem | None) -> bool:
    return item is not None and item.is_started


def _place(
    item: WorkItem,
    decision: routing.Decision,
    found: Facts,
    by_key: dict[Any, routing.Basket],
    names: dict[Any, str],
    now: dt.datetime,
    today: dt.date,
) -> bool:
    """Put an item in the basket of its decision; return whether it changed basket."""
    moved = item.basket_id != decision.basket_key
    for name, value in {**found.columns, **columns(found.facts)}.items():
        setattr(item, name, value)
    item.basket_id = decision.basket_key
    item.routing = _decision_json(decision, names, now)
    if moved:
        item.step = 0
        item.step_started_on = today
    item.due_date = due_date_of(item, by_key[decision.basket_key], today)
    return moved


def timeline_event(item: WorkItem, kind: str, text: str = "", user: Any = None) -> WorkItemEvent:
    if not text and kind in (WorkItemEvent.Kind.ROUTED, WorkItemEvent.Kind.REROUTED):
        text = f"{item.routing['basket']}: {item.routing['explanation']}"
    if not text and kind == WorkItemEvent.Kind.NEW_SIGNALS:
        text = ", ".join(item.signal_type_list)
    return WorkItemEvent(
        municipality_id=item.municipality_id, work_item=item, kind=kind, text=text, user=user
    )


@transaction.atomic
def reroute_unstarted(*, municipality: Municipality, today: dt.date | None = None) -> int:
    """Route the unstarted open items again against the current baskets; return how many moved."""
    today = today or timezone.localdate()
    now = timezone.now()
    baskets = routing_baskets(municipality=municipality)
    if not baskets:
        return 0
    by_key = {basket.key: basket for basket in baskets}
    names = {basket.key: basket.name for basket in baskets}
    items = list(WorkItem.objects.for_municipality(municipality).unstarted())
    decisions = routing.route([facts_from_json(item.pk, item.facts) for item in items], baskets)
    moved = []
    for item, decision in zip(items, decisions, strict=True):
        if item.basket_id != decision.basket_key:
            item.basket_id = decision.basket_key
            item.routing = _decision_json(decision, names, now)
            item.step, item.step_started_on = 0, today
            item.due_date = due_date_of(item, by_key[decision.basket_key], today)
            moved.append(item)
    WorkItem.objects.bulk_update(
        moved, ["basket", "routing", "step", "step_started_on", "due_date"], batch_size=BATCH
    )
    WorkItemEvent.objects.bulk_create(
        [timeline_event(item, WorkItemEvent.Kind.REROUTED) for item in moved], batch_size=BATCH
    )
    return len(moved)
