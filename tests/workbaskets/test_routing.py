from decimal import Decimal

import pytest

from workbaskets.routing import (
    DEFAULT_BASKETS,
    Basket,
    Condition,
    Decision,
    Field,
    InvalidCondition,
    ItemFacts,
    MatchMode,
    Operator,
    route,
    route_one,
)

ARREARS = ItemFacts(
    key="arrears",
    kind="arrears",
    age=31,
    amount=Decimal("850.00"),
    supplier_count=1,
    partner_types=frozenset({"Energie"}),
    crisis=False,
    repeat=False,
    district="Noord",
    is_welfare_debtor=True,
    known_seizure=False,
)
DEBTOR = ItemFacts(
    key="debtor",
    kind="debtor_signal",
    signal_types=frozenset({"INCOME_RISE", "VEHICLE"}),
    debtor_category="payer",
    age=45,
    amount=Decimal("3200.00"),
    district="Zuid",
    has_open_arrears=False,
    is_welfare_debtor=True,
    known_seizure=True,
    income=Decimal("1750.00"),
    capacity_gap=Decimal("40.00"),
)
EMPTY = ItemFacts(key="empty")

# (field, operator, value, facts, expected): every field with every operator that applies to it.
OPERATOR_TABLE = [
    # text fields
    ("kind", "=", "arrears", ARREARS, True),
    ("kind", "=", "arrears", DEBTOR, False),
    ("kind", "!=", "arrears", DEBTOR, True),
    ("kind", "!=", "arrears", ARREARS, False),
    ("kind", "in", ["arrears", "debtor_signal"], DEBTOR, True),
    ("kind", "not in", ["arrears"], DEBTOR, True),
    ("kind", "not in", ["debtor_signal"], DEBTOR, False),
    ("debtor_category", "=", "payer", DEBTOR, True),
    ("debtor_category", "!=", "payer", DEBTOR, False),
    ("debtor_category", "in", "non_payer, vow", DEBTOR, False),
    ("debtor_category", "in", "payer, vow", DEBTOR, True),
    ("debtor_category", "not in", ["vow"], DEBTOR, True),
    ("district", "=", "Noord", ARREARS, True),
    ("district", "!=", "Noord", DEBTOR, True),
    ("district", "in", ["Noord", "Oost"], ARREARS, True),
    ("district", "not in", ["Noord", "Oost"], ARREARS, False),
    # number fields
    ("age", "=", 31, ARREARS, True),
    ("age", "!=", 31, ARREARS, False),
    ("age", "<", 27, ARREARS, False),
    ("age", "<", 32, ARREARS, True),
    ("age", "<=", 31, ARREARS, True),
    ("age", "<=", 30, ARREARS, False),
    ("age", ">", 31, ARREARS, False),
    ("age", ">", 30, ARREARS, True),
    ("age", ">=", 31, ARREARS, True),
    ("age", ">=", 32, ARREARS, False),
    ("age", "in", [30, 31], ARREARS, True),
    ("age", "not in", [30, 31], ARREARS, False),
    ("amount", ">=", "850", ARREARS, True),
    ("amount", ">=", "850,01", ARREARS, False),
    ("amount", "<", "1000", ARREARS, True),
    ("amount", "=", "850.00", ARREARS, True),
    ("amount", "!=", "850", ARREARS, False),
    ("amount", "<=", "849.99", ARREARS, False),
    ("amount", ">", "3199.99", DEBTOR, True),
    ("supplier_count", ">=", 2, ARREARS, False),
    ("supplier_count", "=", 1, ARREARS, True),
    ("supplier_count", "<", 2, ARREARS, True),
    ("supplier_count", "in", [1, 2], ARREARS, True),
    ("income", ">=", 1500, DEBTOR, True),
    ("income", "<", 1500, DEBTOR, False),
    ("income", "!=", 1750, DEBTOR, False),
    ("capacity_gap", ">", 0, DEBTOR, True),
    ("capacity_gap", "<=", 39, DEBTOR, False),
    ("capacity_gap", "not in", [40], DEBTOR, False),
    # boolean fields
    ("crisis", "=", True, ARREARS, False),
    ("crisis", "=", "nee", ARREARS, True),
    ("crisis", "!=", "ja", ARREARS, True),
    ("repeat", "=", False, ARREARS, True),
    ("repeat", "!=", False, ARREARS, False),
    ("has_open_arrears", "=", "yes", DEBTOR, False),
    ("has_open_arrears", "!=", True, DEBTOR, True),
    ("is_welfare_debtor", "=", True, ARREARS, True),
    ("is_welfare_debtor", "!=", "1", ARREARS, False),
    ("known_seizure", "=", "true", DEBTOR, True),
    ("known_seizure", "=", "0", DEBTOR, False),
    # set fields
    ("signal_types", "contains any", ["INCOME_RISE"], DEBTOR, True),
    ("signal_types", "contains any", ["ASSETS", "VEHICLE"], DEBTOR, True),
    ("signal_types", "contains any", ["ASSETS"], DEBTOR, False),
    ("signal_types", "=", ["VEHICLE", "INCOME_RISE"], DEBTOR, True),
    ("signal_types", "=", ["VEHICLE"], DEBTOR, False),
    ("signal_types", "!=", ["VEHICLE"], DEBTOR, True),
    ("signal_types", "!=", ["VEHICLE", "INCOME_RISE"], DEBTOR, False),
    ("signal_types", "in", ["VEHICLE", "INCOME_RISE", "ASSETS"], DEBTOR, True),
    ("signal_types", "in", ["VEHICLE"], DEBTOR, False),
    ("signal_types", "not in", ["ASSETS"], DEBTOR, True),
    ("signal_types", "not in", ["ASSETS", "VEHICLE"], DEBTOR, False),
    ("partner_types", "contains any", ["Huur", "Energie"], ARREARS, True),
    ("partner_types", "contains any", ["Huur"], ARREARS, False),
    ("partner_types", "=", "Energie", ARREARS, True),
    ("partner_types", "!=", "Energie", ARREARS, False),
    ("partner_types", "in", "Energie, Water", ARREARS, True),
    ("partner_types", "not in", ["Huur"], ARREARS, True),
]


@pytest.mark.parametrize(("field_name", "operator", "value", "facts", "expected"), OPERATOR_TABLE)
def test_condition_operator_table(field_name, operator, value, facts, expected):
    assert Condition.of(field_name, operator, value).matches(facts) is expected


def test_operator_table_covers_every_field_and_operator():
    assert {Field(row[0]) for row in OPERATOR_TABLE} == set(Field)
    assert {Operator(row[1]) for row in OPERATOR_TABLE} == set(Operator)


@pytest.mark.parametrize(
    ("field_name", "operator", "value"),
    [
        ("kind", "=", "arrears"),
        ("kind", "!=", "arrears"),
        ("kind", "not in", ["arrears"]),
        ("age", "!=", 30),
        ("age", "<", 99),
        ("amount", ">=", 0),
        ("crisis", "!=", True),
        ("crisis", "=", False),
        ("signal_types", "not in", ["ASSETS"]),
        ("signal_types", "!=", ["ASSETS"]),
        ("partner_types", "not in", ["Huur"]),
        ("capacity_gap", ">", -1000),
        ("income", "not in", [1]),
    ],
)
def test_missing_value_never_matches(field_name, operator, value):
    assert Condition.of(field_name, operator, value).matches(EMPTY) is False


@pytest.mark.parametrize(
    ("field_name", "operator", "value"),
    [
        ("crisis", "<", True),
        ("crisis", "in", [True]),
        ("kind", "<", "arrears"),
        ("kind", "contains any", ["arrears"]),
        ("signal_types", ">=", ["ASSETS"]),
        ("age", "contains any", [1]),
        ("age", "=", "twenty"),
        ("crisis", "=", "maybe"),
        ("district", "=", "  "),
        ("district", "in", []),
        ("colour", "=", "red"),
        ("age", "~", 3),
    ],
)
def test_invalid_conditions_are_refused(field_name, operator, value):
    with pytest.raises(InvalidCondition):
        Condition.of(field_name, operator, value)


def test_condition_round_trips_through_json():
    condition = Condition.of("partner_types", "contains any", ["Water", "Huur"])

    stored = condition.as_json()

    assert stored == {"field": "partner_types", "operator": "contains any", "value": ["Huur", "Water"]}
    assert Condition.from_json(stored) == condition


def test_condition_json_keeps_amount_exact():
    assert Condition.of("amount", ">=", "1000,50").as_json() == {
        "field": "amount",
        "operator": ">=",
        "value": "1000.50",
    }


HIGH_OR_YOUNG = (Condition.of("amount", ">=", 1000), Condition.of("age", "<", 27))


@pytest.mark.parametrize(
    ("mode", "facts", "expected_basket", "expected_matched"),
    [
        (MatchMode.ALL, ItemFacts(key=1, amount=Decimal(1500), age=22), "special", HIGH_OR_YOUNG),
        (MatchMode.ALL, ItemFacts(key=1, amount=Decimal(1500), age=40), "rest", ()),
        (MatchMode.ALL, ItemFacts(key=1, amount=Decimal(100), age=22), "rest", ()),
        (MatchMode.ANY, ItemFacts(key=1, amount=Decimal(1500), age=40), "special", HIGH_OR_YOUNG[:1]),
        (MatchMode.ANY, ItemFacts(key=1, amount=Decimal(100), age=22), "special", HIGH_OR_YOUNG[1:]),
        (MatchMode.ANY, ItemFacts(key=1, amount=Decimal(1500), age=22), "special", HIGH_OR_YOUNG),
        (MatchMode.ANY, ItemFacts(key=1, amount=Decimal(100), age=40), "rest", ()),
    ],
)
def test_match_modes(mode, facts, expected_basket, expected_matched):
    baskets = [Basket("special", "Special", HIGH_OR_YOUNG, mode), Basket("rest", "Rest")]

    decision = route_one(facts, baskets)

    assert (decision.basket_key, decision.matched) == (expected_basket, expected_matched)


def test_first_matching_basket_wins():
    baskets = [
        Basket("crisis", "Crisis", (Condition.of("crisis", "=", True),)),
        Basket("arrears", "Arrears", (Condition.of("kind", "=", "arrears"),)),
        Basket("rest", "Rest"),
    ]

    decisions = route([ItemFacts(key="a", kind="arrears", crisis=True)], baskets)

    assert decisions == [Decision("a", "crisis", (Condition.of("crisis", "=", True),))]


def test_order_decides_when_two_baskets_match():
    crisis = Basket("crisis", "Crisis", (Condition.of("crisis", "=", True),))
    arrears = Basket("arrears", "Arrears", (Condition.of("kind", "=", "arrears"),))
    facts = ItemFacts(key="a", kind="arrears", crisis=True)

    assert route_one(facts, [arrears, crisis, Basket("rest", "Rest")]).basket_key == "arrears"


def test_last_basket_catches_everything_even_with_conditions():
    baskets = [
        Basket("crisis", "Crisis", (Condition.of("crisis", "=", True),)),
        Basket("last", "Last", (Condition.of("kind", "=", "arrears"),)),
    ]

    decision = route_one(ItemFacts(key="x", kind="debtor_signal"), baskets)

    assert decision == Decision("x", "last", (), is_catch_all=True)
    assert decision.explain() == "catch-all: no earlier basket matched"


def test_last_basket_records_its_conditions_when_they_match():
    condition = Condition.of("kind", "=", "arrears")
    baskets = [
        Basket("crisis", "Crisis", (Condition.of("crisis", "=", True),)),
        Basket("last", "Last", (condition,)),
    ]

    assert route_one(ItemFacts(key="x", kind="arrears"), baskets) == Decision("x", "last", (condition,))


def test_basket_without_conditions_takes_everything_in_its_place():
    baskets = [Basket("all", "All"), Basket("never", "Never")]

    assert route_one(EMPTY, baskets) == Decision("empty", "all")


def test_routing_without_baskets_is_an_error():
    with pytest.raises(ValueError, match="at least one basket"):
        route([EMPTY], [])


def test_route_decides_a_whole_set_in_input_order():
    items = [ItemFacts(key=n, age=n) for n in range(20, 34)]
    baskets = [Basket("young", "Young", (Condition.of("age", "<", 27),)), Basket("rest", "Rest")]

    decisions = route(items, baskets)

    assert [(d.item_key, d.basket_key) for d in decisions] == [
        (n, "young" if n < 27 else "rest") for n in range(20, 34)
    ]


def test_decision_explains_matched_conditions():
    decision = Decision(
        1,
        "b",
        (
            Condition.of("amount", ">=", 1000),
            Condition.of("partner_types", "contains any", ["Huur", "Energie"]),
        ),
    )

    assert decision.explain() == "amount >= 1000; partner_types contains any Energie, Huur"


def _default(facts: ItemFacts) -> str:
    return route_one(facts, DEFAULT_BASKETS).basket_key


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (ItemFacts(key=1, kind="arrears", crisis=True, age=22), "crisis"),
        (ItemFacts(key=1, kind="arrears", crisis=False, age=22, amount=Decimal(5000)), "jongeren"),
        (ItemFacts(key=1, kind="arrears", age=40, supplier_count=2, amount=Decimal(10)), "meervoudig"),
        (ItemFacts(key=1, kind="arrears", age=40, supplier_count=1, amount=Decimal(1000)), "meervoudig"),
        (ItemFacts(key=1, kind="arrears", age=40, partner_types=frozenset({"Huur"})), "meervoudig"),
        (
            ItemFacts(
                key=1,
                kind="arrears",
                age=40,
                supplier_count=1,
                amount=Decimal(999),
                partner_types=frozenset({"Water"}),
            ),
            "enkelvoudig",
        ),
        (ItemFacts(key=1, kind="arrears", age=None, known_seizure=True), "enkelvoudig"),
        (
            ItemFacts(
                key=1, kind="debtor_signal", signal_types=frozenset({"INCOME_RISE"}), has_open_arrears=True
            ),
            "eerst-hulp",
        ),
        (
            ItemFacts(key=1, kind="debtor_signal", signal_types=frozenset({"VEHICLE"}), known_seizure=True),
            "eerst-hulp",
        ),
        (
            ItemFacts(
                key=1,
                kind="debtor_signal",
                signal_types=frozenset({"INCOME_RISE", "VEHICLE"}),
                has_open_arrears=False,
                known_seizure=False,
            ),
            "aflossing-herberekenen",
        ),
        (
            ItemFacts(key=1, kind="debtor_signal", signal_types=frozenset({"NEW_INCOME_SOURCE"})),
            "inkomen-gevonden",
        ),
        (
            ItemFacts(key=1, kind="debtor_signal", signal_types=frozenset({"VOW_FOUND_ABOVE_NORM"})),
            "inkomen-gevonden",
        ),
        (ItemFacts(key=1, kind="debtor_signal", signal_types=frozenset({"ASSETS"})), "vermogen-voertuig"),
        (ItemFacts(key=1, kind="debtor_signal", signal_types=frozenset({"VOW_FOUND_BELOW_NORM"})), "overig"),
        (EMPTY, "overig"),
    ],
)
def test_default_baskets_route_as_domain_describes(facts, expected):
    assert _default(facts) == expected


def test_default_baskets_order_and_paths():
    assert [
        (b.name, [(s.action, s.term_days, s.working_days) for s in b.steps]) for b in DEFAULT_BASKETS
    ] == [
        ("Crisis", [("Huisbezoek", 3, True)]),
        ("Jongeren", [("Telefoon", 28, False)]),
        ("Meervoudig of hoog bedrag", [("Huisbezoek", 28, False)]),
        ("Enkelvoudig", [("Brief", 14, False), ("Telefoon", 14, False)]),
        ("Eerst hulp", [("Telefoon", 14, False)]),
        ("Aflossing herberekenen", [("Brief", 28, False)]),
        ("Inkomen gevonden", [("Onderzoek", 28, False)]),
        ("Vermogen en voertuig", [("Beoordeling", 28, False)]),
        ("Overig", [("Brief", 28, False)]),
    ]


ARREARS_AND_ANY = (
    Condition.of("kind", "=", "arrears", required=True),
    Condition.of("supplier_count", ">=", 2),
    Condition.of("amount", ">=", 1000),
)


@pytest.mark.parametrize(
    ("facts", "expected_basket", "expected_matched"),
    [
        (ItemFacts(key=1, kind="arrears", supplier_count=2), "special", ARREARS_AND_ANY[:2]),
        (ItemFacts(key=1, kind="arrears", supplier_count=1, amount=Decimal(10)), "rest", ()),
        (ItemFacts(key=1, kind="debtor_signal", amount=Decimal(5000)), "rest", ()),
    ],
)
def test_required_condition_in_any_mode_must_hold_with_one_other(facts, expected_basket, expected_matched):
    baskets = [Basket("special", "Special", ARREARS_AND_ANY, MatchMode.ANY), Basket("rest", "Rest")]

    decision = route_one(facts, baskets)

    assert (decision.basket_key, decision.matched) == (expected_basket, expected_matched)


def test_any_mode_with_only_required_conditions_needs_all_of_them():
    conditions = (Condition.of("kind", "=", "arrears", required=True),)
    baskets = [Basket("special", "Special", conditions, MatchMode.ANY), Basket("rest", "Rest")]

    assert route_one(ItemFacts(key=1, kind="arrears"), baskets).basket_key == "special"
    assert route_one(ItemFacts(key=1, kind="debtor_signal"), baskets).basket_key == "rest"


def test_required_flag_is_stored_in_json():
    condition = Condition.of("kind", "=", "arrears", required=True)

    assert condition.as_json() == {"field": "kind", "operator": "=", "value": "arrears", "required": True}
    assert Condition.from_json(condition.as_json()) == condition
