"""Pure routing of work-item facts to work baskets (afwegingskader, domain.md section 6).

No ORM here: the services turn rows into `ItemFacts` and `Basket` dataclasses, call `route`
once for a whole set, and store the decisions. A basket matches when all (or any) of its
conditions hold; the first matching basket wins; the last basket catches everything.

A missing fact (None, or an empty set for the set-valued fields) never matches, whatever the
operator: "amount != 100" does not select items without an amount.
"""

from __future__ import annotations

import operator as op
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    DEBTOR_SIGNAL = "debtor_signal"
    ARREARS = "arrears"


class Field(StrEnum):
    KIND = "kind"
    SIGNAL_TYPES = "signal_types"
    DEBTOR_CATEGORY = "debtor_category"
    AGE = "age"
    AMOUNT = "amount"
    SUPPLIER_COUNT = "supplier_count"
    PARTNER_TYPES = "partner_types"
    CRISIS = "crisis"
    REPEAT = "repeat"
    DISTRICT = "district"
    HAS_OPEN_ARREARS = "has_open_arrears"
    IS_WELFARE_DEBTOR = "is_welfare_debtor"
    KNOWN_SEIZURE = "known_seizure"
    INCOME = "income"
    CAPACITY_GAP = "capacity_gap"  # proposed minus current instalment; filled by the BVV feature


class Operator(StrEnum):
    EQ = "="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    IN = "in"
    NOT_IN = "not in"
    CONTAINS_ANY = "contains any"


class MatchMode(StrEnum):
    ALL = "all"
    ANY = "any"


class FieldType(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    BOOLEAN = "boolean"
    SET = "set"


FIELD_TYPES: dict[Field, FieldType] = {
    Field.KIND: FieldType.TEXT,
    Field.SIGNAL_TYPES: FieldType.SET,
    Field.DEBTOR_CATEGORY: FieldType.TEXT,
    Field.AGE: FieldType.NUMBER,
    Field.AMOUNT: FieldType.NUMBER,
    Field.SUPPLIER_COUNT: FieldType.NUMBER,
    Field.PARTNER_TYPES: FieldType.SET,
    Field.CRISIS: FieldType.BOOLEAN,
    Field.REPEAT: FieldType.BOOLEAN,
    Field.DISTRICT: FieldType.TEXT,
    Field.HAS_OPEN_ARREARS: FieldType.BOOLEAN,
    Field.IS_WELFARE_DEBTOR: FieldType.BOOLEAN,
    Field.KNOWN_SEIZURE: FieldType.BOOLEAN,
    Field.INCOME: FieldType.NUMBER,
    Field.CAPACITY_GAP: FieldType.NUMBER,
}

ORDERING = {Operator.LT, Operator.LE, Operator.GT, Operator.GE}
LIST_VALUED = {Operator.IN, Operator.NOT_IN, Operator.CONTAINS_ANY}

ALLOWED_OPERATORS: dict[FieldType, frozenset[Operator]] = {
    FieldType.TEXT: frozenset({Operator.EQ, Operator.NE, Operator.IN, Operator.NOT_IN}),
    FieldType.NUMBER: frozenset(
        {
            Operator.EQ,
            Operator.NE,
            Operator.LT,
            Operator.LE,
            Operator.GT,
            Operator.GE,
            Operator.IN,
            Operator.NOT_IN,
        }
    ),
    FieldType.BOOLEAN: frozenset({Operator.EQ, Operator.NE}),
    FieldType.SET: frozenset({Operator.EQ, Operator.NE, Operator.IN, Operator.NOT_IN, Operator.CONTAINS_ANY}),
}

TRUE_WORDS = {"true", "yes", "ja", "1", "waar"}
FALSE_WORDS = {"false", "no", "nee", "0", "onwaar"}


class InvalidCondition(ValueError):
    pass


def _to_number(raw: Any) -> Decimal:
    if isinstance(raw, bool):
        raise InvalidCondition(f"not a number: {raw!r}")
    try:
        return Decimal(str(raw).strip().replace(",", "."))
    except InvalidOperation as error:
        raise InvalidCondition(f"not a number: {raw!r}") from error


def _to_boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    word = str(raw).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise InvalidCondition(f"not yes/no: {raw!r}")


def _to_text(raw: Any) -> str:
    text = str(raw).strip()
    if not text:
        raise InvalidCondition("empty value")
    return text


def _as_list(raw: Any) -> list[Any]:
    if isinstance(raw, list | tuple | set | frozenset):
        return list(raw)
    if isinstance(raw, str):
        return [part for part in (piece.strip() for piece in raw.split(",")) if part]
    return [raw]


def normalise_value(field_name: Field, operator: Operator, raw: Any) -> Any:
    """Check that the operator fits the field and return the value in its comparable type."""
    field_type = FIELD_TYPES[field_name]
    if operator not in ALLOWED_OPERATORS[field_type]:
        raise InvalidCondition(f"operator {operator} does not apply to {field_name}")
    convert: Callable[[Any], Any] = {
        FieldType.TEXT: _to_text,
        FieldType.SET: _to_text,
        FieldType.NUMBER: _to_number,
        FieldType.BOOLEAN: _to_boolean,
    }[field_type]
    if operator in LIST_VALUED or (field_type is FieldType.SET):
        values = frozenset(convert(item) for item in _as_list(raw))
        if not values:
            raise InvalidCondition("empty list")
        return values
    return convert(raw)


@dataclass(frozen=True)
class Condition:
    field: Field
    operator: Operator
    value: Any
    # In match mode "any", a required condition must hold as well as at least one other one
    # ("arrears, and any of: ..."). In match mode "all" every condition is required anyway.
    required: bool = False

    @classmethod
    def of(cls, field_name: str, operator: str, value: Any, *, required: bool = False) -> Condition:
        """Build a checked condition from stored or submitted strings."""
        try:
            parsed_field, parsed_operator = Field(field_name), Operator(operator)
        except ValueError as error:
            raise InvalidCondition(str(error)) from error
        return cls(
            parsed_field, parsed_operator, normalise_value(parsed_field, parsed_operator, value), required
        )

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Condition:
        return cls.of(
            data["field"], data["operator"], data["value"], required=bool(data.get("required", False))
        )

    def as_json(self) -> dict[str, Any]:
        value = self.value
        if isinstance(value, frozenset):
            value = sorted(str(item) if isinstance(item, Decimal) else item for item in value)
        elif isinstance(value, Decimal):
            value = str(value)
        stored = {"field": str(self.field), "operator": str(self.operator), "value": value}
        if self.required:
            stored["required"] = True
        return stored

    def describe(self) -> str:
        value = self.as_json()["value"]
        shown = ", ".join(str(item) for item in value) if isinstance(value, list) else str(value)
        return f"{self.field} {self.operator} {shown}"

    def matches(self, facts: ItemFacts) -> bool:
        return _compile(self)(facts)


_COMPARE = {
    Operator.EQ: op.eq,
    Operator.NE: op.ne,
    Operator.LT: op.lt,
    Operator.LE: op.le,
    Operator.GT: op.gt,
    Operator.GE: op.ge,
}


def _compile(condition: Condition) -> Callable[[ItemFacts], bool]:
    """Turn a condition into a predicate once, so routing a large set stays a tight loop."""
    name = str(condition.field)
    field_type = FIELD_TYPES[condition.field]
    operator, value = condition.operator, condition.value

    if field_type is FieldType.SET:
        predicates: dict[Operator, Callable[[frozenset[Any]], bool]] = {
            Operator.EQ: lambda actual: actual == value,
            Operator.NE: lambda actual: actual != value,
            Operator.IN: lambda actual: actual <= value,
            Operator.NOT_IN: lambda actual: actual.isdisjoint(value),
            Operator.CONTAINS_ANY: lambda actual: not actual.isdisjoint(value),
        }
        test_set = predicates[operator]

        def set_predicate(facts: ItemFacts) -> bool:
            actual = getattr(facts, name)
            return bool(actual) and test_set(actual)

        return set_predicate

    if operator is Operator.IN:

        def in_predicate(facts: ItemFacts) -> bool:
            actual = getattr(facts, name)
            return actual is not None and actual in value

        return in_predicate
    if operator is Operator.NOT_IN:

        def not_in_predicate(facts: ItemFacts) -> bool:
            actual = getattr(facts, name)
            return actual is not None and actual not in value

        return not_in_predicate

    compare = _COMPARE[operator]

    def scalar_predicate(facts: ItemFacts) -> bool:
        actual = getattr(facts, name)
        return actual is not None and compare(actual, value)

    return scalar_predicate


@dataclass(frozen=True)
class ItemFacts:
    """What routing may look at for one work item (all open signals or one case of a person)."""

    key: Any
    kind: str | None = None
    signal_types: frozenset[str] = frozenset()
    debtor_category: str | None = None
    age: int | None = None
    amount: Decimal | None = None
    supplier_count: int | None = None
    partner_types: frozenset[str] = frozenset()
    crisis: bool | None = None
    repeat: bool | None = None
    district: str | None = None
    has_open_arrears: bool | None = None
    is_welfare_debtor: bool | None = None
    known_seizure: bool | None = None
    income: Decimal | None = None
    capacity_gap: Decimal | None = None


@dataclass(frozen=True)
class Step:
    """One step of a treatment path: a DDAS contact kind or an administrative action."""

    action: str
    label: str
    term_days: int
    working_days: bool = False


@dataclass(frozen=True)
class Basket:
    key: Any
    name: str
    conditions: tuple[Condition, ...] = ()
    match_mode: MatchMode = MatchMode.ALL
    steps: tuple[Step, ...] = ()


@dataclass(frozen=True)
class Decision:
    item_key: Any
    basket_key: Any
    matched: tuple[Condition, ...] = ()
    is_catch_all: bool = False

    def explain(self) -> str:
        if self.is_catch_all:
            return "catch-all: no earlier basket matched"
        if not self.matched:
            return "basket without conditions"
        return "; ".join(condition.describe() for condition in self.matched)


@dataclass
class _CompiledBasket:
    basket: Basket
    predicates: list[tuple[Condition, Callable[[ItemFacts], bool]]] = field(default_factory=list)

    def decide(self, facts: ItemFacts) -> Decision | None:
        if not self.predicates:
            return Decision(facts.key, self.basket.key)
        if self.basket.match_mode is MatchMode.ALL:
            for _condition, predicate in self.predicates:
                if not predicate(facts):
                    return None
            return Decision(facts.key, self.basket.key, tuple(c for c, _ in self.predicates))
        matched = []
        for condition, predicate in self.predicates:
            if predicate(facts):
                matched.append(condition)
            elif condition.required:
                return None
        if not any(not condition.required for condition in matched) and self.has_optional:
            return None
        return Decision(facts.key, self.basket.key, tuple(matched)) if matched else None

    @property
    def has_optional(self) -> bool:
        return any(not condition.required for condition, _ in self.predicates)


def route(items: Iterable[ItemFacts], baskets: Sequence[Basket]) -> list[Decision]:
    """Decide the basket of every item at once: the first match wins, the last basket catches all."""
    if not baskets:
        raise ValueError("a municipality needs at least one basket to route to")
    compiled = [_CompiledBasket(basket, [(c, _compile(c)) for c in basket.conditions]) for basket in baskets]
    ordered, last = compiled[:-1], compiled[-1]
    decisions = []
    for facts in items:
        for candidate in ordered:
            decision = candidate.decide(facts)
            if decision is not None:
                break
        else:
            decision = last.decide(facts) or Decision(facts.key, last.basket.key, is_catch_all=True)
        decisions.append(decision)
    return decisions


def route_one(facts: ItemFacts, baskets: Sequence[Basket]) -> Decision:
    return route([facts], baskets)[0]


# DDAS EnumContactsoort, and the administrative actions a path can also contain.
CONTACT_KINDS = (
    "Mail",
    "Brief",
    "SMS/Whatsapp",
    "Telefoon",
    "Huisbezoek",
    "Kaartje",
    "Overige",
    "Administratief",
)
ADMINISTRATIVE_ACTIONS = ("Onderzoek", "Beoordeling")

ARREARS_PARTNER_TYPES = (
    "Energie",
    "Huur",
    "Hypotheek",
    "CAK Zorgverzekeringen",
    "Zorg",
    "Water",
    "DUO",
    "Belastingdienst",
    "CAK Eigen bijdrage",
    "Overige",
    "Dienst Toeslagen",
)


def _c(field_name: str, operator: str, value: Any, *, required: bool = False) -> Condition:
    return Condition.of(field_name, operator, value, required=required)


# The default baskets of a new municipality, in order (domain.md section 6).
DEFAULT_BASKETS: tuple[Basket, ...] = (
    Basket(
        key="crisis",
        name="Crisis",
        conditions=(_c("crisis", "=", True),),
        steps=(Step("Huisbezoek", "Huisbezoek", 3, working_days=True),),
    ),
    Basket(
        key="jongeren",
        name="Jongeren",
        conditions=(_c("kind", "=", Kind.ARREARS), _c("age", "<", 27)),
        steps=(Step("Telefoon", "Bellen", 28),),
    ),
    Basket(
        key="meervoudig",
        name="Meervoudig of hoog bedrag",
        conditions=(
            _c("kind", "=", Kind.ARREARS, required=True),
            _c("supplier_count", ">=", 2),
            _c("amount", ">=", 1000),
            _c("partner_types", "contains any", ["Huur"]),
        ),
        match_mode=MatchMode.ANY,
        steps=(Step("Huisbezoek", "Huisbezoek", 28),),
    ),
    Basket(
        key="enkelvoudig",
        name="Enkelvoudig",
        conditions=(_c("kind", "=", Kind.ARREARS),),
        steps=(Step("Brief", "Brief sturen", 14), Step("Telefoon", "Bellen", 14)),
    ),
    Basket(
        key="eerst-hulp",
        name="Eerst hulp",
        conditions=(
            _c("kind", "=", Kind.DEBTOR_SIGNAL, required=True),
            _c("has_open_arrears", "=", True),
            _c("known_seizure", "=", True),
        ),
        match_mode=MatchMode.ANY,
        steps=(Step("Telefoon", "Bellen: andere achterstanden en beslagen nagaan", 14),),
    ),
    Basket(
        key="aflossing-herberekenen",
        name="Aflossing herberekenen",
        conditions=(_c("signal_types", "contains any", ["INCOME_RISE"]),),
        steps=(Step("Brief", "Brief herberekening aflossing", 28),),
    ),
    Basket(
        key="inkomen-gevonden",
        name="Inkomen gevonden",
        conditions=(
            _c(
                "signal_types",
                "contains any",
                [
                    "INCOME_ABOVE_THRESHOLD",
                    "NEW_INCOME_SOURCE",
                    "INCOME_ABOVE_AFTER_DROP",
                    "VOW_FOUND_ABOVE_NORM",
                ],
            ),
        ),
        steps=(Step("Onderzoek", "Regeling of loonbeslag onderzoeken", 28),),
    ),
    Basket(
        key="vermogen-voertuig",
        name="Vermogen en voertuig",
        conditions=(_c("signal_types", "contains any", ["ASSETS", "VEHICLE"]),),
        steps=(Step("Beoordeling", "Beoordelen", 28),),
    ),
    Basket(key="overig", name="Overig", steps=(Step("Brief", "Brief sturen", 28),)),
)
