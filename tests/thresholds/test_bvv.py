from decimal import Decimal as D

import pytest

from tests.thresholds.bvv_parameters import JANUARY_2026, JULY_2026, PARAMETER_SETS
from thresholds.bvv import (
    DebtorIncome,
    HouseholdType,
    IncomeBasis,
    RepaymentTerms,
    beslagvrije_voet,
    bijstand_beslagvrije_voet,
    debtor_figures,
    figures,
    household_type_from,
    proposed_instalment,
    repayment_capacity,
    yearly_income_from,
)

SINGLE = HouseholdType.SINGLE
SINGLE_PARENT = HouseholdType.SINGLE_PARENT
COUPLE = HouseholdType.COUPLE
COUPLE_CHILDREN = HouseholdType.COUPLE_CHILDREN


def bvv(household, income, parameters=JANUARY_2026, **kwargs):
    return beslagvrije_voet(household=household, yearly_income=D(income), parameters=parameters, **kwargs)


def test_single_at_70000_gets_exactly_the_cap_domain_check():
    assert bvv(SINGLE, "70000").bvv == D("2191.42")


def test_couple_with_children_at_82387_09_gets_exactly_the_cap_domain_check():
    assert bvv(COUPLE_CHILDREN, "82387.09").bvv == D("3155.31")


# The defining income of a cap is the lowest yearly income, in cents, at which the BVV reaches it.
# For single and couple the formula itself tops out at the cap once the housing term saturates:
# (C - MIP) x rate = 12 (H - J), less the slack of rounding half up (e.g. single, January:
# 23425 + 12 x 730.41 / 0.27 = 55887.67; 55887.52 already rounds to 2191.42).
# For the two types with children the child term grows without bound and the cap cuts it off:
# C solves 0.95 x norm + Z + (H - J_mp) + kgb(C) = cap - 0.005. One cent less stays a cent below.
DEFINING_INCOMES = [
    (JANUARY_2026, SINGLE, "55887.52", "2191.42"),
    (JANUARY_2026, SINGLE_PARENT, "82386.48", "2526.69"),
    (JANUARY_2026, COUPLE, "71439.00", "2881.41"),
    (JANUARY_2026, COUPLE_CHILDREN, "82386.98", "3155.31"),
    (JULY_2026, SINGLE, "55887.43", "2208.48"),
    (JULY_2026, SINGLE_PARENT, "82386.17", "2543.75"),
    (JULY_2026, COUPLE, "71439.16", "2905.79"),
    (JULY_2026, COUPLE_CHILDREN, "82385.88", "3179.68"),
]


@pytest.mark.parametrize(("parameters", "household", "income", "cap"), DEFINING_INCOMES)
def test_each_published_cap_is_reached_to_the_cent_at_its_defining_income(parameters, household, income, cap):
    assert parameters.cap(household) == D(cap)
    assert bvv(household, income, parameters).bvv == D(cap)
    assert bvv(household, D(income) - D("0.01"), parameters).bvv == D(cap) - D("0.01")
    assert bvv(household, "250000", parameters).bvv == D(cap)


@pytest.mark.parametrize("parameters", PARAMETER_SETS)
def test_caps_without_child_term_equal_the_formula_maximum(parameters):
    # 0.95 x A + (S/12 - 47) + (H - J_1p), and 0.95 x B + (2S/12 - 106) + (H - J_mp)
    assert bvv(SINGLE, "250000", parameters).uncapped.quantize(D("0.01")) == parameters.cap_single
    assert bvv(COUPLE, "250000", parameters).uncapped.quantize(D("0.01")) == parameters.cap_couple


@pytest.mark.parametrize(
    ("parameters", "household", "cap"),
    [
        (JANUARY_2026, SINGLE_PARENT, "2526.69"),
        (JANUARY_2026, COUPLE_CHILDREN, "3155.31"),
        (JULY_2026, SINGLE_PARENT, "2543.75"),
        (JULY_2026, COUPLE_CHILDREN, "3179.68"),
    ],
)
def test_caps_with_child_term_are_the_formula_at_82387_09(parameters, household, cap):
    assert bvv(household, "82387.09", parameters).bvv == D(cap)


def test_above_the_cap_the_cap_applies_and_says_so():
    calculation = bvv(COUPLE_CHILDREN, "120000")

    assert calculation.bvv == D("3155.31")
    assert calculation.is_capped is True
    assert calculation.uncapped > D("3155.31")


# Hand-computed, in yearly amounts at C = 40,000 (January 2026):
# zorg 12x = (40000 - 29735.424) x 0.1373 = 1409.3262848 (below Z: 1555 single, 2966 couple)
# woon 12x = 16575 x 0.27 = 4475.25 (single), 8500 x 0.22 = 1870 (others)
# kgb 12x = 10264.576 x 0.076 = 780.107776 (single parent), 859.576 x 0.076 = 65.327776 (couple + children)
# base 12x = 12 x 0.95 x 1401.50 = 15977.1, 12 x 0.95 x 2002.13 = 22824.282
@pytest.mark.parametrize(
    ("household", "expected", "child"),
    [
        (SINGLE, "1821.81", "0"),  # 21861.6762848 / 12 = 1821.806...
        (SINGLE_PARENT, "1669.71", "65.008981333"),  # 20036.5340608 / 12 = 1669.711...
        (COUPLE, "2175.30", "0"),  # 26103.6082848 / 12 = 2175.300...
        (COUPLE_CHILDREN, "2180.74", "5.443981333"),  # 26168.9360608 / 12 = 2180.744...
    ],
)
def test_every_household_type(household, expected, child):
    calculation = bvv(household, "40000")

    assert calculation.bvv == D(expected)
    assert calculation.healthcare.quantize(D("0.000000001")) == D("117.443857067")
    assert calculation.child.quantize(D("0.000000001")) == D(child)
    assert calculation.is_capped is False
    assert calculation.is_income_ceiling_applied is False


def test_housing_term_is_zero_below_the_minimum_income_and_base_rounds_half_up():
    calculation = bvv(SINGLE, "20000")

    assert calculation.housing == 0
    assert calculation.healthcare == 0
    assert calculation.bvv == D("1331.43")  # 0.95 x 1401.50 = 1331.425, half up


def test_child_term_of_couple_with_children_is_zero_below_threshold_plus_l():
    calculation = bvv(COUPLE_CHILDREN, "35000")

    assert calculation.child == 0
    assert calculation.bvv == D("2026.43")  # (22824.282 + 722.8262848 + 770) / 12 = 2026.4256...


def test_child_term_of_single_parent_is_zero_below_the_healthcare_threshold():
    assert bvv(SINGLE_PARENT, "20000").child == 0


def test_income_ceiling_keeps_bvv_at_95_percent_of_monthly_income():
    calculation = bvv(SINGLE, "12000")

    assert calculation.bvv == D("950.00")
    assert calculation.is_income_ceiling_applied is True
    assert calculation.article == "Rv art. 475da, Rv art. 475dc lid 1"


def test_income_ceiling_uses_the_given_monthly_income():
    calculation = bvv(COUPLE, "30000", monthly_income=D("1234.56"))

    assert calculation.bvv == D("1172.83")  # 0.95 x 1234.56 = 1172.832


def test_negative_income_is_refused():
    with pytest.raises(ValueError, match="negative"):
        bvv(SINGLE, "-1")


def test_bijstand_leaves_95_percent_of_the_norm_less_other_income():
    calculation = bijstand_beslagvrije_voet(household=SINGLE, parameters=JANUARY_2026, other_income=D("200"))

    assert calculation.bvv == D("1131.43")  # 1331.425 - 200
    assert calculation.article == "Rv art. 475db"


def test_bijstand_for_a_couple_without_other_income():
    calculation = bijstand_beslagvrije_voet(household=COUPLE, parameters=JULY_2026)

    assert calculation.bvv == D("1926.40")  # 0.95 x 2027.79 = 1926.4005


def test_bijstand_bvv_is_never_below_zero():
    calculation = bijstand_beslagvrije_voet(household=SINGLE, parameters=JANUARY_2026, other_income=D("2000"))

    assert calculation.bvv == D("0.00")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("alleenstaand", SINGLE),
        ("alleenstaande_ouder", SINGLE_PARENT),
        ("gehuwd", COUPLE),
        ("gehuwd_met_kinderen", COUPLE_CHILDREN),
        (" Gehuwd_Met_Kinderen ", COUPLE_CHILDREN),
        ("", SINGLE),
        (None, SINGLE),
        ("couple", COUPLE),
    ],
)
def test_household_type_from_the_debtor_file(value, expected):
    assert household_type_from(value) is expected


def test_unknown_household_type_is_refused():
    with pytest.raises(ValueError, match="samenwonend"):
        household_type_from("samenwonend")


def test_yearly_income_is_12_times_a_representative_latest_month():
    income = yearly_income_from([D("1000"), D("1000"), D("1000"), D("1100")])

    assert (income.amount, income.basis) == (D("13200"), IncomeBasis.LATEST_MONTH)


def test_yearly_income_is_12_times_the_mean_when_latest_month_is_off_by_more_than_20_percent():
    income = yearly_income_from([D("1000"), D("1000"), D("1000"), D("2000")])

    assert (income.amount, income.basis, income.mean) == (D("15000"), IncomeBasis.MEAN_OF_MONTHS, D("1250"))


def test_a_latest_month_exactly_20_percent_off_is_still_representative():
    income = yearly_income_from([D("1000"), D("1500")])  # mean 1250, 1500 is 20% above it

    assert (income.amount, income.basis) == (D("18000"), IncomeBasis.LATEST_MONTH)


def test_only_the_last_four_months_count():
    income = yearly_income_from([D("9000"), D("1000"), D("1000"), D("1000"), D("1000")])

    assert (income.amount, income.basis, income.months) == (
        D("12000"),
        IncomeBasis.LATEST_MONTH,
        (D("1000"),) * 4,
    )


def test_a_month_without_income_after_income_uses_the_mean():
    income = yearly_income_from([D("1000"), D("1000"), D("1000"), D("0")])

    assert (income.amount, income.basis) == (D("9000"), IncomeBasis.MEAN_OF_MONTHS)


def test_no_income_at_all_gives_zero():
    assert yearly_income_from([D("0")] * 4).amount == 0


def test_capacity_is_5_percent_of_norm_plus_35_percent_above_norm():
    # single, income 2000.01: 70.075 + 0.35 x 598.51 = 279.5535, rounded down
    capacity = repayment_capacity(monthly_income=D("2000.01"), norm=D("1401.50"), bvv=D("1344.36"))

    assert capacity == D("279.55")


def test_capacity_never_exceeds_income_minus_bvv():
    generous = RepaymentTerms(norm_percentage=D(50), excess_percentage=D(100))

    capacity = repayment_capacity(
        monthly_income=D("2000"), norm=D("1401.50"), bvv=D("1344.36"), terms=generous
    )

    assert capacity == D("655.64")


def test_capacity_below_the_norm_is_what_the_bvv_leaves():
    capacity = repayment_capacity(monthly_income=D("1000"), norm=D("1401.50"), bvv=D("950.00"))

    assert capacity == D("50.00")


def test_capacity_is_never_below_zero():
    capacity = repayment_capacity(monthly_income=D("0"), norm=D("1401.50"), bvv=D("1331.43"))

    assert capacity == D("0.00")


def test_capacity_on_bijstand_is_5_percent_of_the_norm():
    calculation = bijstand_beslagvrije_voet(household=SINGLE, parameters=JANUARY_2026)

    capacity = repayment_capacity(monthly_income=D("1401.50"), norm=calculation.norm, bvv=calculation.bvv)

    assert capacity == D("70.07")  # 1401.50 - 1331.43; 5% of the norm is 70.075


def test_proposed_instalment_is_the_capacity_but_not_more_than_the_claim():
    assert proposed_instalment(capacity=D("279.55"), claim_amount=D("5000")) == D("279.55")
    assert proposed_instalment(capacity=D("279.55"), claim_amount=D("120.10")) == D("120.10")
    assert proposed_instalment(capacity=D("279.55")) == D("279.55")


def debtor(**overrides):
    values = {
        "debtor_id": 7,
        "household_type": "alleenstaand",
        "monthly_incomes": [D("1900"), D("2000"), D("2000"), D("2000")],
        "instalment": D("50"),
        "claim_amount": D("4000"),
    }
    return DebtorIncome(**(values | overrides))


def test_debtor_figures_from_a_representative_income():
    # C = 24000: zorg 0 (C < D), woon (24000 - 23425) x 0.27 / 12 = 12.9375, base 1331.425 -> 1344.3625
    # capacity 70.075 + 0.35 x (2000 - 1401.50) = 279.55, within 2000 - 1344.36
    found = debtor_figures(debtor(), parameters=JANUARY_2026)

    assert found.income.amount == D("24000")
    assert found.calculation.bvv == D("1344.36")
    assert (found.capacity, found.proposed_instalment, found.capacity_gap) == (
        D("279.55"),
        D("279.55"),
        D("229.55"),
    )


def test_debtor_evidence_is_json_ready():
    found = debtor_figures(debtor(), parameters=JANUARY_2026)

    assert found.evidence() == {
        "bvv": "1344.36",
        "bvv_article": "Rv art. 475da",
        "bvv_parameters_valid_from": "2026-01-01",
        "household": "single",
        "yearly_income": "24000.00",
        "income_basis": "latest_month",
        "income_months": ["1900.00", "2000.00", "2000.00", "2000.00"],
        "monthly_income": "2000.00",
        "bvv_terms": {
            "norm": "1401.50",
            "base": "1331.43",
            "healthcare": "0.00",
            "housing": "12.94",
            "child": "0.00",
            "cap": "2191.42",
            "is_capped": False,
            "income_ceiling": "1900.00",
            "is_income_ceiling_applied": False,
            "is_bijstand": False,
            "other_income": "0.00",
        },
        "capacity": "279.55",
        "proposed_instalment": "279.55",
        "current_instalment": "50.00",
        "capacity_gap": "229.55",
    }


def test_debtor_figures_of_a_debtor_on_bijstand():
    # other income 200: BVV 1331.425 - 200; the benefit tops up to 1401.50, so 5% of the norm is left
    found = debtor_figures(debtor(monthly_incomes=[D("200")], is_on_bijstand=True), parameters=JANUARY_2026)

    assert (found.calculation.bvv, found.capacity) == (D("1131.43"), D("70.07"))


def test_debtor_without_income_or_instalment_has_no_capacity():
    found = debtor_figures(debtor(monthly_incomes=[], instalment=None), parameters=JULY_2026)

    assert (found.calculation.bvv, found.capacity, found.capacity_gap) == (D("0.00"), D("0.00"), D("0.00"))


def test_figures_are_keyed_by_debtor_and_use_the_policy_terms():
    strict = RepaymentTerms(norm_percentage=D(0), excess_percentage=D(10))

    found = figures(
        [debtor(debtor_id=1), debtor(debtor_id=2, household_type="gehuwd")],
        parameters=JANUARY_2026,
        terms=strict,
    )

    assert {debtor_id: f.capacity for debtor_id, f in found.items()} == {1: D("59.85"), 2: D("0.00")}
