from decimal import ROUND_HALF_UP
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from tests.thresholds.bvv_parameters import PARAMETER_SETS
from thresholds.bvv import HouseholdType, beslagvrije_voet, repayment_capacity

households = st.sampled_from(list(HouseholdType))
parameter_sets = st.sampled_from(PARAMETER_SETS)
# Yearly incomes in cents from 0 to 150,000 euro: past every defining income of the caps.
incomes = st.integers(min_value=0, max_value=15_000_000).map(lambda cents: D(cents) / 100)


@given(household=households, parameters=parameter_sets, low=incomes, high=incomes)
def test_bvv_never_decreases_as_income_rises(household, parameters, low, high):
    low, high = sorted((low, high))

    lower = beslagvrije_voet(household=household, yearly_income=low, parameters=parameters)
    higher = beslagvrije_voet(household=household, yearly_income=high, parameters=parameters)

    assert lower.bvv <= higher.bvv <= parameters.cap(household)


@given(household=households, parameters=parameter_sets, income=incomes)
def test_bvv_is_never_below_95_percent_of_norm_before_the_income_ceiling(household, parameters, income):
    calculation = beslagvrije_voet(household=household, yearly_income=income, parameters=parameters)
    floor = (D("0.95") * parameters.norm(household)).quantize(D("0.01"), rounding=ROUND_HALF_UP)

    if calculation.is_income_ceiling_applied:
        assert calculation.bvv == calculation.income_ceiling.quantize(D("0.01"), rounding=ROUND_HALF_UP)
    else:
        assert calculation.bvv >= floor


@given(household=households, parameters=parameter_sets, income=incomes)
def test_capacity_leaves_the_bvv_untouched(household, parameters, income):
    calculation = beslagvrije_voet(household=household, yearly_income=income, parameters=parameters)

    capacity = repayment_capacity(
        monthly_income=calculation.monthly_income, norm=calculation.norm, bvv=calculation.bvv
    )

    assert D(0) <= capacity <= max(D(0), calculation.monthly_income - calculation.bvv)
