from datetime import date
from decimal import Decimal

import pytest

from signals import rules
from signals.rules import SignalType

from .builders import JANUARY, all_on, debtor, evaluation_input, found_types, income_rows

INCOME_TYPES = {SignalType.INCOME_ABOVE_THRESHOLD, SignalType.INCOME_ABOVE_AFTER_DROP}


def evaluate_income(months, *, types, category="non_payer", thresholds=None, **debtor_fields):
    data = evaluation_input([debtor(category=category, **debtor_fields)], income=income_rows(1, months))
    found = rules.evaluate(data, thresholds=thresholds or all_on())
    return [signal.type.value for signal in found if signal.type in types]


@pytest.mark.parametrize(
    ("months", "expected"),
    [
        pytest.param(
            {"2025-11": 1000, "2025-12": 1600, "2026-01": 1600}, ["INCOME_ABOVE_THRESHOLD"], id="fires"
        ),
        pytest.param(
            {"2025-12": 1500, "2026-01": 1500}, ["INCOME_ABOVE_THRESHOLD"], id="exactly-at-threshold"
        ),
        pytest.param({"2025-12": 1500, "2026-01": "1499.99"}, [], id="one-cent-below-threshold"),
        pytest.param({"2025-12": 1200, "2026-01": 1600}, [], id="one-month-short-of-persistence"),
        pytest.param(
            {"2025-11": 1600, "2025-12": 1600, "2026-01": 1600}, [], id="persisted-longer-fired-before"
        ),
        pytest.param({"2025-12": 1200, "2026-01": 2600}, [], id="holiday-pay-spike-in-m"),
        pytest.param(
            {"2025-05": 2600, "2025-06": 1200, "2025-11": 1200, "2025-12": 1600, "2026-01": 1600},
            ["INCOME_ABOVE_AFTER_DROP"],
            id="holiday-pay-spike-in-look-back-counts-as-above",
        ),
        pytest.param(
            {"2025-01": 1600, "2025-02": 1000, "2025-12": 1600, "2026-01": 1600},
            ["INCOME_ABOVE_AFTER_DROP"],
            id="above-at-m-minus-l",
        ),
        pytest.param(
            {"2024-12": 1600, "2025-01": 1000, "2025-12": 1600, "2026-01": 1600},
            ["INCOME_ABOVE_THRESHOLD"],
            id="above-before-look-back-is-forgotten",
        ),
        pytest.param(
            {"2025-12": {"S1": 800, "S2": 700}, "2026-01": {"S1": 800, "S2": 700}},
            ["INCOME_ABOVE_THRESHOLD"],
            id="sources-are-summed",
        ),
        pytest.param(
            {"2025-10": 1600, "2025-11": 0, "2025-12": 1600, "2026-01": 1600},
            ["INCOME_ABOVE_AFTER_DROP"],
            id="drop-to-zero",
        ),
        pytest.param({"2026-01": 1600}, [], id="no-income-before-counts-as-zero"),
    ],
)
def test_income_above_threshold_and_after_drop(months, expected):
    assert evaluate_income(months, types=INCOME_TYPES) == expected


@pytest.mark.parametrize(
    ("months", "expected"),
    [
        pytest.param(
            {"2025-10": 1000, "2025-11": 1600, "2025-12": 1600, "2026-01": 1600},
            ["INCOME_ABOVE_THRESHOLD"],
            id="three-months",
        ),
        pytest.param({"2025-11": 1000, "2025-12": 1600, "2026-01": 1600}, [], id="two-of-three-months"),
    ],
)
def test_income_above_threshold_follows_persistence(months, expected):
    assert evaluate_income(months, types=INCOME_TYPES, thresholds=all_on(persistence=3)) == expected


def test_income_above_threshold_with_look_back_equal_to_persistence_never_sees_a_drop():
    months = {"2025-10": 1600, "2025-11": 1000, "2025-12": 1600, "2026-01": 1600}

    assert evaluate_income(months, types=INCOME_TYPES, thresholds=all_on(look_back=2)) == [
        "INCOME_ABOVE_THRESHOLD"
    ]


def test_income_above_threshold_evidence_names_months_sources_and_thresholds():
    data = evaluation_input(
        [debtor(category="non_payer")],
        income=income_rows(1, {"2025-11": 1000, "2025-12": {"S1": 900, "S2": 700}, "2026-01": 1600}),
    )

    [signal] = [
        s for s in rules.evaluate(data, thresholds=all_on()) if s.type is SignalType.INCOME_ABOVE_THRESHOLD
    ]

    assert signal.period == JANUARY
    assert signal.evidence_key == ""
    assert signal.evidence == {
        "months": [
            {
                "period": "2025-11",
                "income": "1000.00",
                "sources": [
                    {
                        "source_id": "S1",
                        "source_name": "Werkgever S1",
                        "income_kind": "employment",
                        "amount": "1000.00",
                    }
                ],
            },
            {
                "period": "2025-12",
                "income": "1600.00",
                "sources": [
                    {
                        "source_id": "S1",
                        "source_name": "Werkgever S1",
                        "income_kind": "employment",
                        "amount": "900.00",
                    },
                    {
                        "source_id": "S2",
                        "source_name": "Werkgever S2",
                        "income_kind": "employment",
                        "amount": "700.00",
                    },
                ],
            },
            {
                "period": "2026-01",
                "income": "1600.00",
                "sources": [
                    {
                        "source_id": "S1",
                        "source_name": "Werkgever S1",
                        "income_kind": "employment",
                        "amount": "1600.00",
                    }
                ],
            },
        ],
        "thresholds": {"income": "1500.00", "persistence": 2, "look_back": 12},
    }


def test_income_above_after_drop_evidence_lists_the_earlier_months_above():
    data = evaluation_input(
        [debtor(category="non_payer")],
        income=income_rows(1, {"2025-05": 2600, "2025-07": 1700, "2025-12": 1600, "2026-01": 1600}),
    )

    [signal] = [
        s for s in rules.evaluate(data, thresholds=all_on()) if s.type is SignalType.INCOME_ABOVE_AFTER_DROP
    ]

    assert signal.evidence["earlier_months_above"] == [
        {"period": "2025-05", "income": "2600.00"},
        {"period": "2025-07", "income": "1700.00"},
    ]
    assert [month["period"] for month in signal.evidence["months"]] == ["2025-11", "2025-12", "2026-01"]


RISE = {SignalType.INCOME_RISE}


@pytest.mark.parametrize(
    ("months", "known_income", "changes", "expected"),
    [
        pytest.param({"2025-12": 1700, "2026-01": 1710}, 1400, {}, True, id="fires"),
        pytest.param({"2025-12": 1540, "2026-01": 1540}, 1400, {}, True, id="exactly-the-required-rise"),
        pytest.param(
            {"2025-12": "1539.99", "2026-01": 1540}, 1400, {}, False, id="one-cent-short-of-the-rise"
        ),
        pytest.param({"2025-12": 1700}, 1400, {}, False, id="one-month-short-of-persistence"),
        pytest.param({"2025-12": 1400, "2026-01": 2500}, 1400, {}, False, id="holiday-pay-spike-in-m"),
        pytest.param(
            {"2025-11": 1700, "2025-12": 1700, "2026-01": 1700},
            1400,
            {},
            False,
            id="persisted-longer-fired-before",
        ),
        pytest.param(
            {"2025-12": 890, "2026-01": 890}, 800, {"income": 800}, False, id="above-pct-but-below-abs"
        ),
        pytest.param(
            {"2025-12": 900, "2026-01": 900}, 800, {"income": 800}, True, id="abs-decides-when-larger"
        ),
        pytest.param({"2025-12": 2150, "2026-01": 2150}, 2000, {}, False, id="above-abs-but-below-pct"),
        pytest.param({"2025-12": 2200, "2026-01": 2200}, 2000, {}, True, id="pct-decides-when-larger"),
        pytest.param({"2025-12": 1400, "2026-01": 1400}, 500, {}, False, id="rise-below-income-threshold"),
        pytest.param({"2025-12": 1600, "2026-01": 1600}, 0, {}, False, id="zero-reference-left-to-signal-1"),
        pytest.param(
            {"2025-09": 1200, "2025-10": 1300, "2025-11": 1400, "2025-12": 1500, "2026-01": 1500},
            None,
            {},
            True,
            id="empty-known-income-uses-mean-of-3-months",
        ),
        pytest.param(
            {"2025-09": 1400, "2025-10": 1400, "2025-11": "1400.01", "2025-12": 1540, "2026-01": 1540},
            None,
            {},
            False,
            id="mean-reference-compared-exactly",
        ),
        pytest.param(
            {
                "2025-09": 1400,
                "2025-10": 1400,
                "2025-11": "1400.01",
                "2025-12": "1540.01",
                "2026-01": "1540.01",
            },
            None,
            {},
            True,
            id="mean-reference-one-cent-more",
        ),
        pytest.param({"2025-12": 1600, "2026-01": 1600}, None, {}, False, id="empty-known-income-no-history"),
        pytest.param(
            {"2025-12": 1700, "2026-01": 1700},
            1400,
            {"rise_pct": Decimal("21.42")},
            True,
            id="pct-with-decimals",
        ),
        pytest.param(
            {"2025-12": 1700, "2026-01": 1700},
            1400,
            {"rise_pct": Decimal("21.43")},
            False,
            id="pct-one-step-more",
        ),
    ],
)
def test_income_rise(months, known_income, changes, expected):
    found = evaluate_income(months, types=RISE, known_income=known_income, thresholds=all_on(**changes))

    assert found == (["INCOME_RISE"] if expected else [])


def test_income_rise_evidence_with_mean_reference():
    data = evaluation_input(
        [debtor(category="payer")],
        income=income_rows(
            1, {"2025-09": 1200, "2025-10": 1300, "2025-11": 1400, "2025-12": 1500, "2026-01": 1500}
        ),
    )

    [signal] = [s for s in rules.evaluate(data, thresholds=all_on()) if s.type is SignalType.INCOME_RISE]

    assert {key: value for key, value in signal.evidence.items() if key != "months"} == {
        "reference": "1300.00",
        "reference_basis": "mean_income",
        "reference_months": [
            {"period": "2025-09", "income": "1200.00"},
            {"period": "2025-10", "income": "1300.00"},
            {"period": "2025-11", "income": "1400.00"},
        ],
        "required_rise": "130.00",
        "thresholds": {"income": "1500.00", "rise_abs": "100.00", "rise_pct": "10.00", "persistence": 2},
    }
    assert [month["period"] for month in signal.evidence["months"]] == ["2025-11", "2025-12", "2026-01"]


def test_income_rise_evidence_with_known_income():
    data = evaluation_input(
        [debtor(category="payer", known_income=Decimal("1400.50"))],
        income=income_rows(1, {"2025-12": 1700, "2026-01": 1710}),
    )

    [signal] = [s for s in rules.evaluate(data, thresholds=all_on()) if s.type is SignalType.INCOME_RISE]

    assert signal.evidence["reference"] == "1400.50"
    assert signal.evidence["reference_basis"] == "known_income"
    assert signal.evidence["required_rise"] == "140.05"
    assert "reference_months" not in signal.evidence


NEW_SOURCE = {SignalType.NEW_INCOME_SOURCE}


@pytest.mark.parametrize(
    ("months", "debtor_fields", "expected"),
    [
        pytest.param({"2025-12": {"S1": 900}, "2026-01": {"S1": 900, "S2": 300}}, {}, ["S2"], id="fires"),
        pytest.param(
            {"2025-12": {"S1": 900}, "2026-01": {"S1": 900, "S2": 300}},
            {"in_earlier_file": False},
            [],
            id="first-period-of-the-debtor",
        ),
        pytest.param({"2025-01": {"S2": 100}, "2026-01": {"S2": 300}}, {}, [], id="paid-at-m-minus-l"),
        pytest.param(
            {"2024-12": {"S2": 100}, "2026-01": {"S2": 300}}, {}, ["S2"], id="paid-before-look-back"
        ),
        pytest.param({"2025-12": {"S2": 0}, "2026-01": {"S2": 300}}, {}, ["S2"], id="zero-amount-earlier"),
        pytest.param({"2026-01": {"S2": 0}}, {}, [], id="zero-amount-in-m"),
        pytest.param({"2026-01": {"S2": "0.01"}}, {}, ["S2"], id="one-cent-in-m"),
        pytest.param({"2026-01": {"S2": 100, "S3": 200}}, {}, ["S2", "S3"], id="two-new-sources"),
        pytest.param({"2025-12": {"S2": 100}}, {}, [], id="source-stopped"),
        pytest.param({"2026-01": {"S2": 300}}, {"category": "vow"}, [], id="not-for-vow"),
    ],
)
def test_new_income_source(months, debtor_fields, expected):
    data = evaluation_input([debtor(**debtor_fields)], income=income_rows(1, months))

    found = [s for s in rules.evaluate(data, thresholds=all_on()) if s.type in NEW_SOURCE]

    assert [signal.evidence_key for signal in found] == expected


def test_new_income_source_evidence():
    rows = income_rows(1, {"2025-12": {"S1": 900}, "2026-01": {"S1": 900, "S2": "300.25"}})
    rows[-1]["income_kind"] = "benefit"
    rows[-1]["source_name"] = "UWV"
    data = evaluation_input([debtor()], income=rows)

    [signal] = [
        s for s in rules.evaluate(data, thresholds=all_on()) if s.type is SignalType.NEW_INCOME_SOURCE
    ]

    assert signal.evidence == {
        "source_id": "S2",
        "source_name": "UWV",
        "income_kind": "benefit",
        "amount": "300.25",
        "period": "2026-01",
        "thresholds": {"look_back": 12},
    }


VOW = {SignalType.VOW_FOUND_ABOVE_NORM, SignalType.VOW_FOUND_BELOW_NORM}


@pytest.mark.parametrize(
    ("months", "category", "previous_category", "expected"),
    [
        pytest.param({"2026-01": 1500}, "vow", "vow", ["VOW_FOUND_ABOVE_NORM"], id="above-norm"),
        pytest.param({"2026-01": 1400}, "vow", "vow", ["VOW_FOUND_ABOVE_NORM"], id="exactly-at-norm"),
        pytest.param(
            {"2026-01": "1399.99"}, "vow", "vow", ["VOW_FOUND_BELOW_NORM"], id="one-cent-below-norm"
        ),
        pytest.param({"2026-01": "0.01"}, "vow", "vow", ["VOW_FOUND_BELOW_NORM"], id="any-income-below-norm"),
        pytest.param({"2026-01": 0}, "vow", "vow", [], id="no-income-in-m"),
        pytest.param({"2025-12": 800, "2026-01": 1500}, "vow", "vow", [], id="vow-with-income-in-m-minus-1"),
        pytest.param(
            {"2025-11": 800, "2026-01": 1500},
            "vow",
            "vow",
            ["VOW_FOUND_ABOVE_NORM"],
            id="income-only-before-m-minus-1",
        ),
        pytest.param(
            {"2025-12": 800, "2026-01": 900},
            "vow",
            "payer",
            ["VOW_FOUND_BELOW_NORM"],
            id="category-changed-to-vow",
        ),
        pytest.param({"2026-01": 1500}, "vow", None, ["VOW_FOUND_ABOVE_NORM"], id="new-debtor"),
        pytest.param({"2025-12": 800, "2026-01": 1500}, "payer", "vow", [], id="category-changed-from-vow"),
    ],
)
def test_vow_found(months, category, previous_category, expected):
    found = evaluate_income(months, types=VOW, category=category, previous_category=previous_category)

    assert found == expected


def test_vow_found_evidence():
    data = evaluation_input(
        [debtor(category="vow", previous_category="payer")],
        income=income_rows(1, {"2025-12": 800, "2026-01": 900}),
    )

    [signal] = rules.evaluate(data, thresholds=all_on())

    assert signal.type is SignalType.VOW_FOUND_BELOW_NORM
    assert signal.evidence == {
        "months": [
            {
                "period": "2026-01",
                "income": "900.00",
                "sources": [
                    {
                        "source_id": "S1",
                        "source_name": "Werkgever S1",
                        "income_kind": "employment",
                        "amount": "900.00",
                    }
                ],
            }
        ],
        "previous_category": "payer",
        "previous_income": "800.00",
        "thresholds": {"vow_norm": "1400.00"},
    }


@pytest.mark.parametrize(
    ("balances", "expected"),
    [
        pytest.param([("2026-01-15", 7500)], True, id="exactly-at-threshold"),
        pytest.param([("2026-01-15", "7499.99")], False, id="one-cent-below"),
        pytest.param([("2025-12-31", 5000), ("2026-01-01", 8000)], True, id="rose-above"),
        pytest.param([("2025-12-31", 8000), ("2026-01-01", 9000)], False, id="already-above-in-m-minus-1"),
        pytest.param([("2025-12-31", 8000)], False, id="latest-balance-of-m-minus-1-counts-for-m"),
        pytest.param([("2025-01-31", 9000)], False, id="balance-older-than-12-months"),
        pytest.param([("2025-02-01", 9000)], False, id="balance-of-m-minus-11-counts-for-both"),
        pytest.param(
            [("2025-01-31", 9000), ("2026-01-02", 9000)], False, id="old-balance-still-counts-for-m-minus-1"
        ),
        pytest.param([("2024-12-31", 9000), ("2026-01-02", 9000)], True, id="balance-older-than-m-minus-12"),
        pytest.param([("2026-01-10", 8000), ("2026-01-20", 100)], False, id="latest-balance-wins"),
        pytest.param([("2026-02-01", 8000)], False, id="balance-after-m-ignored"),
        pytest.param([("2025-12-01", -200), ("2026-01-05", 8000)], True, id="negative-previous-balance"),
    ],
)
def test_assets(balances, expected):
    data = evaluation_input([debtor()], balances=[(1, day, amount) for day, amount in balances])

    found = [s for s in rules.evaluate(data, thresholds=all_on()) if s.type is SignalType.ASSETS]

    assert bool(found) is expected


def test_assets_evidence():
    data = evaluation_input(
        [debtor(category="vow")], balances=[(1, "2025-12-31", 5000), (1, "2026-01-01", 8000)]
    )

    [signal] = rules.evaluate(data, thresholds=all_on())

    assert signal.evidence == {
        "balance": "8000.00",
        "reference_date": "2026-01-01",
        "previous_balance": "5000.00",
        "previous_reference_date": "2025-12-31",
        "thresholds": {"assets": "7500.00"},
    }


@pytest.mark.parametrize(
    ("vehicles", "previous", "expected"),
    [
        pytest.param([(1, "AB123C", 5000)], [], ["AB123C"], id="exactly-at-threshold"),
        pytest.param([(1, "AB123C", "4999.99")], [], [], id="one-cent-below"),
        pytest.param([(1, "AB123C", 9000)], [(1, "AB123C")], [], id="vehicle-in-both-snapshots"),
        pytest.param([(1, "AB123C", 9000)], None, ["AB123C"], id="no-snapshot-for-m-minus-1"),
        pytest.param([(1, "AB123C", 9000)], [(2, "AB123C")], ["AB123C"], id="plate-of-another-debtor-before"),
        pytest.param(
            [(1, "AB123C", 9000), (1, "XY999Z", 6000), (1, "LOW01", 100)],
            [(1, "AB123C")],
            ["XY999Z"],
            id="only-new-valuable-plates",
        ),
        pytest.param(
            [(1, "AB123C", 9000), (1, "XY999Z", 6000)], None, ["AB123C", "XY999Z"], id="one-per-plate"
        ),
    ],
)
def test_vehicle(vehicles, previous, expected):
    data = evaluation_input([debtor(), debtor(2)], vehicles=vehicles, previous_vehicles=previous)

    found = [s for s in rules.evaluate(data, thresholds=all_on()) if s.type is SignalType.VEHICLE]

    assert [(s.debtor_id, s.evidence_key) for s in found] == [(1, plate) for plate in expected]


def test_vehicle_evidence():
    data = evaluation_input([debtor()], vehicles=[(1, "AB123C", "6500.50")], previous_vehicles=[])

    [signal] = rules.evaluate(data, thresholds=all_on())

    assert signal.evidence == {
        "plate": "AB123C",
        "value": "6500.50",
        "registration_date": "2025-06-01",
        "previous_snapshot": True,
        "thresholds": {"vehicle_value": "5000.00"},
    }


def defaults():
    return {
        category.value: rules.Thresholds(enabled=rules.DEFAULT_ENABLED[category])
        for category in rules.Category
    }


def everything_for(debtor_id):
    """Income that rises above T with a new source after a drop, a balance and a vehicle."""
    return income_rows(
        debtor_id,
        {
            "2025-03": 1600,
            "2025-09": 1000,
            "2025-10": 1000,
            "2025-11": 1000,
            "2025-12": 1600,
            "2026-01": {"S1": 1000, "S9": 600},
        },
    )


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("payer", ["INCOME_RISE", "NEW_INCOME_SOURCE", "ASSETS", "VEHICLE"]),
        ("non_payer", ["NEW_INCOME_SOURCE", "INCOME_ABOVE_AFTER_DROP", "ASSETS", "VEHICLE"]),
        ("vow", ["VOW_FOUND_ABOVE_NORM", "ASSETS", "VEHICLE"]),
    ],
)
def test_default_switches_per_category(category, expected):
    data = evaluation_input(
        [debtor(category=category, previous_category="payer")],
        income=everything_for(1),
        balances=[(1, "2026-01-03", 10_000)],
        vehicles=[(1, "AB123C", 9000)],
    )

    found = rules.evaluate(data, thresholds=defaults())

    assert [signal.type.value for signal in found] == expected


def test_switched_off_type_does_not_fire_for_that_category_only():
    thresholds = all_on()
    thresholds["payer"] = rules.Thresholds(enabled=frozenset({SignalType.ASSETS}))
    data = evaluation_input(
        [debtor(1, category="payer"), debtor(2, category="non_payer")],
        vehicles=[(1, "AB123C", 9000), (2, "XY999Z", 9000)],
        balances=[(1, "2026-01-03", 10_000)],
    )

    assert found_types(rules.evaluate(data, thresholds=thresholds)) == [
        ("ASSETS", 1, ""),
        ("VEHICLE", 2, "XY999Z"),
    ]


def test_excluded_debtor_gets_no_signals():
    data = evaluation_input(
        [debtor(1), debtor(2)], vehicles=[(1, "AB123C", 9000), (2, "XY999Z", 9000)], excluded=frozenset({1})
    )

    assert found_types(rules.evaluate(data, thresholds=all_on())) == [("VEHICLE", 2, "XY999Z")]


def test_rows_of_debtors_outside_the_file_of_m_are_ignored():
    data = evaluation_input(
        [debtor(2)],
        income=income_rows(1, {"2025-12": 1600, "2026-01": 1600}),
        balances=[(1, "2026-01-03", 10_000)],
        vehicles=[(1, "AB123C", 9000)],
    )

    assert rules.evaluate(data, thresholds=all_on()) == []


def test_different_thresholds_per_category_in_one_evaluation():
    thresholds = all_on()
    thresholds["payer"] = rules.Thresholds(
        income=Decimal(2000), enabled=rules.APPLICABLE[rules.Category.PAYER]
    )
    months = {"2025-12": 1800, "2026-01": 1800}
    data = evaluation_input(
        [debtor(1, category="payer"), debtor(2, category="non_payer")],
        income=income_rows(1, months) + income_rows(2, months),
    )

    found = [s for s in rules.evaluate(data, thresholds=thresholds) if s.type in INCOME_TYPES]

    assert found_types(found) == [("INCOME_ABOVE_THRESHOLD", 2, "")]
    assert found[0].category == "non_payer"


def test_evaluation_is_the_same_for_a_debtor_alone_and_in_a_crowd():
    crowd = [
        debtor(i, category=("payer", "non_payer", "vow")[i % 3], previous_category="vow")
        for i in range(1, 40)
    ]
    income = [row for i in range(1, 40) for row in everything_for(i)]
    together = rules.evaluate(evaluation_input(crowd, income=income), thresholds=all_on())

    alone = []
    for i in range(1, 40):
        alone += rules.evaluate(
            evaluation_input([crowd[i - 1]], income=everything_for(i)), thresholds=all_on()
        )

    assert together == alone
    assert len(together) == 39 + 13 * 3


def test_period_helpers():
    assert rules.month_start(rules.month_number(date(2026, 1, 31))) == JANUARY
    assert rules.period_label(rules.month_number(date(2025, 12, 5))) == "2025-12"
    assert rules.euro(-150) == "-1.50"
    assert rules.cents("1234.56") == 123456


@pytest.mark.parametrize("field", ["income", "rise_abs", "rise_pct", "vow_norm", "assets", "vehicle_value"])
def test_thresholds_reject_negative_money(field):
    with pytest.raises(ValueError, match="must not be negative"):
        rules.Thresholds(**{field: Decimal(-1)})


def test_thresholds_reject_zero_persistence():
    with pytest.raises(ValueError, match="persistence"):
        rules.Thresholds(persistence=0)
