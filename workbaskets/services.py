"""Use cases of work baskets: defaults, set-based routing, and the life of a work item."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from intake.models import ArrearsCase, ArrearsReport, Debtor, DebtorSnapshot, Result
from signals.models import Signal
from tenancy.models import Municipality, Team

from . import routing, terms
from .models import (
    ContactAttempt,
    DebtorOutcome,
    WorkBasket,
    WorkItem,
    WorkItemEvent,
)

TRIAGE_PERMISSION = "workbaskets.triage_workbasket"
OPEN_REPORT_STATUSES = (ArrearsReport.Status.RECEIVED,)
BATCH = 5_000


# --- baskets -------------------------------------------------------------------------------------


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


def routing_baskets(*, municipality: Municipality) -> list[routing.Basket]:
    """Return the active baskets of a municipality in routing order."""
    baskets = (
        WorkBasket.objects.for_municipality(municipality).filter(is_active=True).order_by("position", "pk")
    )
    return [basket.as_routing_basket() for basket in baskets]


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


# --- facts ---------------------------------------------------------------------------------------


def _age(birth_date: dt.date | None, today: dt.date) -> int | None:
    if birth_date is None:
        return None
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def facts_to_json(facts: routing.ItemFacts) -> dict[str, Any]:
    stored: dict[str, Any] = {}
    for name in routing.Field:
        value = getattr(facts, name)
        if isinstance(value, frozenset):
            value = sorted(value)
        elif isinstance(value, Decimal):
            value = str(value)
        stored[str(name)] = value
    return stored


def facts_from_json(key: Any, stored: dict[str, Any]) -> routing.ItemFacts:
    values: dict[str, Any] = {}
    for name, field_type in routing.FIELD_TYPES.items():
        value = stored.get(str(name))
        if field_type is routing.FieldType.SET:
            value = frozenset(value or ())
        elif field_type is routing.FieldType.NUMBER and value is not None:
            value = Decimal(str(value))
        values[str(name)] = value
    return routing.ItemFacts(key=key, **values)


@dataclass
class _Facts:
    facts: routing.ItemFacts
    columns: dict[str, Any]


def _chunks(values: Iterable[Any], size: int = BATCH) -> Iterable[list[Any]]:
    chunk: list[Any] = []
    for value in values:
        chunk.append(value)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _latest_snapshots(debtor_ids: Iterable[int]) -> dict[int, DebtorSnapshot]:
    """Return the latest snapshot of each debtor (a subquery per chunk; portable to SQLite)."""
    latest = (
        DebtorSnapshot.objects.filter(debtor_id=OuterRef("debtor_id"))
        .order_by("-period")
        .values("period")[:1]
    )
    found = {}
    for chunk in _chunks(set(debtor_ids)):
        for snapshot in DebtorSnapshot.objects.filter(debtor_id__in=chunk, period=Subquery(latest)):
            found[snapshot.debtor_id] = snapshot
    return found


def _signal_income(evidence: dict[str, Any]) -> Decimal | None:
    for key in ("monthly_income", "income", "income_amount", "amount"):
        value = _decimal(evidence.get(key))
        if value is not None:
            return value
    return None


def _debtor_facts(
    *, municipality: Municipality, signals_by_debtor: dict[int, list[dict[str, Any]]], today: dt.date
) -> dict[int, _Facts]:
    debtor_ids = list(signals_by_debtor)
    debtors_by_id: dict[int, Debtor] = {}
    with_open_arrears: set[int] = set()
    for chunk in _chunks(debtor_ids):
        debtors = Debtor.objects.filter(pk__in=chunk).only(
            "pk", "debtor_ref", "birth_date", "initials", "prefix", "last_name"
        )
        debtors_by_id.update((debtor.pk, debtor) for debtor in debtors)
        with_open_arrears.update(
            ArrearsCase.objects.for_municipality(municipality)
            .filter(debtor_id__in=chunk, status=ArrearsCase.Status.OPEN)
            .values_list("debtor_id", flat=True)
        )
    snapshots = _latest_snapshots(debtor_ids)
    result = {}
    for debtor_id, signals in signals_by_debtor.items():
        debtor, snapshot = debtors_by_id[debtor_id], snapshots.get(debtor_id)
        types = frozenset(s["type"] for s in signals)
        incomes = [i for i in (_signal_income(s["evidence"] or {}) for s in signals) if i is not None]
        income = max(incomes) if incomes else (snapshot.known_income if snapshot else None)
        # The BVV feature puts capacity_gap (proposed minus current instalment) in the evidence.
        gaps = [
            g for g in (_decimal((s["evidence"] or {}).get("capacity_gap")) for s in signals) if g is not None
        ]
        facts = routing.ItemFacts(
            key=debtor_id,
            kind=routing.Kind.DEBTOR_SIGNAL,
            signal_types=types,
            debtor_category=(snapshot.category if snapshot else None) or signals[-1]["category"] or None,
            age=_age(debtor.birth_date, today),
            amount=snapshot.claim_amount if snapshot else None,
            district=(snapshot.district or None) if snapshot else None,
            has_open_arrears=any(s["has_open_arrears"] for s in signals) or debtor_id in with_open_arrears,
            is_welfare_debtor=True,
            known_seizure=snapshot.known_seizure if snapshot else None,
            income=income,
            capacity_gap=max(gaps) if gaps else None,
        )
        result[debtor_id] = _Facts(
            facts, {"person_ref": debtor.debtor_ref, "display_name": debtor.display_name}
        )
    return result


def _case_facts(*, cases: Sequence[ArrearsCase], today: dt.date) -> dict[int, _Facts]:
    case_ids = [case.pk for case in cases]
    reports_by_case: dict[int, list[dict[str, Any]]] = defaultdict(list)
    reports = (
        report
        for chunk in _chunks(case_ids)
        for report in ArrearsReport.objects.filter(case_id__in=chunk)
        .exclude(status=ArrearsReport.Status.WITHDRAWN)
        .values("case_id", "supplier_id", "amount", "partner_type", "crisis", "is_repeat", "signal_date")
    )
    for report in reports:
        reports_by_case[report["case_id"]].append(report)
    snapshots = _latest_snapshots(case.debtor_id for case in cases if case.debtor_id)
    result = {}
    for case in cases:
        reports = reports_by_case.get(case.pk, [])
        snapshot = snapshots.get(case.debtor_id) if case.debtor_id else None
        facts = routing.ItemFacts(
            key=case.pk,
            kind=routing.Kind.ARREARS,
            debtor_category=snapshot.category if snapshot else None,
            age=_age(case.birth_date, today),
            amount=sum((r["amount"] for r in reports), Decimal("0.00")),
            supplier_count=len({r["supplier_id"] for r in reports}),
            partner_types=frozenset(r["partner_type"] for r in reports),
            crisis=case.crisis or any(r["crisis"] for r in reports),
            repeat=any(r["is_repeat"] for r in reports),
            district=(snapshot.district or None) if snapshot else None,
            has_open_arrears=True,
            is_welfare_debtor=case.debtor_id is not None,
            known_seizure=snapshot.known_seizure if snapshot else None,
        )
        name = " ".join(part for part in (case.initials, case.prefix, case.last_name) if part)
        result[case.pk] = _Facts(
            facts, {"person_ref": str(case.pk), "display_name": name, "legal_due_date": case.due_date}
        )
    return result


def _columns(facts: routing.ItemFacts) -> dict[str, Any]:
    return {
        "district": facts.district or "",
        "debtor_category": facts.debtor_category or "",
        "age": facts.age,
        "amount": facts.amount,
        "signal_types": _joined(facts.signal_types),
        "partner_types": _joined(facts.partner_types),
        "crisis": bool(facts.crisis),
        "facts": facts_to_json(facts),
    }


def _joined(values: frozenset[str]) -> str:
    return f"|{'|'.join(sorted(values))}|" if values else ""


def _decision_json(decision: routing.Decision, names: dict[Any, str], now: dt.datetime) -> dict[str, Any]:
    return {
        "basket_id": decision.basket_key,
        "basket": names[decision.basket_key],
        "matched": [condition.as_json() for condition in decision.matched],
        "catch_all": decision.is_catch_all,
        "explanation": decision.explain(),
        "at": now.isoformat(),
    }


def _due(item: WorkItem, basket: routing.Basket, today: dt.date) -> dt.date | None:
    step = basket.steps[item.step] if item.step < len(basket.steps) else None
    legal = item.legal_due_date if item.kind == WorkItem.Kind.ARREARS and not item.is_started else None
    return terms.item_due(
        step_start=item.step_started_on or today,
        term_days=step.term_days if step else None,
        working_days=step.working_days if step else False,
        legal=legal,
    )


# --- routing -------------------------------------------------------------------------------------


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
        for chunk in _chunks(new_by_debtor)
        for item in WorkItem.objects.for_municipality(municipality)
        .open()
        .filter(kind=WorkItem.Kind.DEBTOR_SIGNAL, debtor_id__in=chunk)
    }
    all_by_debtor: dict[int, list[dict[str, Any]]] = defaultdict(list)
    through = WorkItem.signals.through
    linked = (
        row
        for chunk in _chunks(item.pk for item in open_items.values())
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
    debtor_facts = _debtor_facts(
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
                _event(item, WorkItemEvent.Kind.REROUTED if moved else WorkItemEvent.Kind.NEW_SIGNALS)
            )
        else:
            for name, value in {**found.columns, **_columns(found.facts)}.items():
                setattr(item, name, value)
            item.has_new_signals = True
            changed_items.append(item)
            result.flagged += 1
            events.append(_event(item, WorkItemEvent.Kind.NEW_SIGNALS))
    WorkItem.objects.bulk_create(new_items, batch_size=BATCH)
    result.created += len(new_items)
    events += [_event(item, WorkItemEvent.Kind.ROUTED) for item in new_items]
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
    case_facts = _case_facts(cases=[*cases, *(item.case for item in unstarted)], today=today)
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
                events.append(_event(item, WorkItemEvent.Kind.REROUTED))
    WorkItem.objects.bulk_create(case_items, batch_size=BATCH)
    result.created += len(case_items)
    events += [_event(item, WorkItemEvent.Kind.ROUTED) for item in case_items]

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
            *_columns(routing.ItemFacts(key=0)).keys(),
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
    found: _Facts,
    by_key: dict[Any, routing.Basket],
    names: dict[Any, str],
    now: dt.datetime,
    today: dt.date,
) -> bool:
    """Put an item in the basket of its decision; return whether it changed basket."""
    moved = item.basket_id != decision.basket_key
    for name, value in {**found.columns, **_columns(found.facts)}.items():
        setattr(item, name, value)
    item.basket_id = decision.basket_key
    item.routing = _decision_json(decision, names, now)
    if moved:
        item.step = 0
        item.step_started_on = today
    item.due_date = _due(item, by_key[decision.basket_key], today)
    return moved


def _event(item: WorkItem, kind: str, text: str = "", user: Any = None) -> WorkItemEvent:
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
            item.due_date = _due(item, by_key[decision.basket_key], today)
            moved.append(item)
    WorkItem.objects.bulk_update(
        moved, ["basket", "routing", "step", "step_started_on", "due_date"], batch_size=BATCH
    )
    WorkItemEvent.objects.bulk_create(
        [_event(item, WorkItemEvent.Kind.REROUTED) for item in moved], batch_size=BATCH
    )
    return len(moved)


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


# --- access --------------------------------------------------------------------------------------


def team_group(team: Team) -> Group:
    """Return the auth group that stands for a team in django-guardian's group permissions."""
    group, _created = Group.objects.get_or_create(name=team_group_name(team.pk))
    return group


TEAM_GROUP_PREFIX = "debtsignal-team-"


def team_group_name(team_id: int) -> str:
    return f"{TEAM_GROUP_PREFIX}{team_id}"


def grant_basket(*, basket: WorkBasket, user: Any = None, team: Team | None = None) -> None:
    """Let a user or a team (office team or wijkteam) triage a basket."""
    _check_same_municipality(basket, team)
    assign_perm(TRIAGE_PERMISSION, user if user is not None else team_group(team), basket)


def revoke_basket(*, basket: WorkBasket, user: Any = None, team: Team | None = None) -> None:
    """Take a basket grant away from a user or a team."""
    remove_perm(TRIAGE_PERMISSION, user if user is not None else team_group(team), basket)


def _check_same_municipality(basket: WorkBasket, team: Team | None) -> None:
    if team is not None and team.municipality_id != basket.municipality_id:
        raise ValidationError(_("The team belongs to another municipality."))


# --- the life of a work item ---------------------------------------------------------------------


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


HELP_RESULTS = {
    Result.ADVICE,
    Result.FINANCIAL_HELP,
    Result.NON_FINANCIAL_HELP,
    Result.REFERRAL_WITHOUT_CONTACT,
}
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
    WorkItemEvent.objects.bulk_create(_event(item, WorkItemEvent.Kind.ASSIGNED, text, by) for item in changed)
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
        _event(item, WorkItemEvent.Kind.STATUS, f"{label}: {reason.strip()}", by) for item in changed
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
    item.due_date = _due(item, item.basket.as_routing_basket(), today)
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
