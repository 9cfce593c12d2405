"""Beslagvrije voet (BVV, Rv art. 475da) and repayment capacity: pure calculations on plain data.

The BVV is the part of a monthly income that may never be seized. Every instalment the
municipality sets or proposes is checked against it. Nothing here touches the database:
the dated parameter sets and the repayment policy come in as dataclasses (see
`thresholds.models.bvv` for where they are stored and `thresholds.bvv_services` for loading).

Arithmetic is exact: the formula is evaluated in yearly amounts (twelve times the monthly
terms), where every comparison is between exact decimals, and only the final monthly BVV is
divided by 12 and rounded half up to cents (domain.md section 8).
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from enum import StrEnum

CENT = Decimal("0.01")
ZERO = Decimal(0)
TWELVE = Decimal(12)
INCOME_CEILING_RATE = Decimal("0.95")  # art. 475dc lid 1: never more than 95% of the income
NORM_RATE = Decimal("0.95")  # art. 475da: the base of the BVV is 95% of the norm
NOT_REPRESENTATIVE_DEVIATION = Decimal("0.20")  # art. 475d: the latest month is then not representative
INCOME_HISTORY_MONTHS = 4

# Division by 12 is the only inexact step; a wide context keeps it far from any half cent.
_CONTEXT = decimal.Context(prec=60, rounding=ROUND_HALF_UP)

ARTICLES = {
    "bvv": "Rv art. 475da",
    "yearly_income": "Rv art. 475d",
    "income_ceiling": "Rv art. 475dc lid 1",
    "bijstand": "Rv art. 475db",
    "notice": "Rv art. 475i",
}


class HouseholdType(StrEnum):
    SINGLE = "single"
    SINGLE_PARENT = "single_parent"
    COUPLE = "couple"
    COUPLE_CHILDREN = "couple_children"

    @property
    def is_couple(self) -> bool:
        return self in (HouseholdType.COUPLE, HouseholdType.COUPLE_CHILDREN)


# Values of the debtor file's `household_type` column (domain.md section 3).
HOUSEHOLD_TYPES_FROM_FILE = {
    "alleenstaand": HouseholdType.SINGLE,
    "alleenstaande_ouder": HouseholdType.SINGLE_PARENT,
    "gehuwd": HouseholdType.COUPLE,
    "gehuwd_met_kinderen": HouseholdType.COUPLE_CHILDREN,
}


def household_type_from(value: str | None) -> HouseholdType:
    """Map the debtor file's household type to the BVV household type; empty means single."""
    cleaned = (value or "").strip().lower()
    if not cleaned:
        # The law assumes a debtor without a partner in the BRP is single.
        return HouseholdType.SINGLE
    if cleaned in HOUSEHOLD_TYPES_FROM_FILE:
        return HOUSEHOLD_TYPES_FROM_FILE[cleaned]
    return HouseholdType(cleaned)  # the English codes are accepted as well; anything else raises


class NoBvvParameters(LookupError):
    """No parameter set is valid on the asked date: refuse instead of guessing a number."""

    def __init__(self, on: date) -> None:
        self.on = on
        super().__init__(f"no BVV parameters for this date ({on.isoformat()})")


@dataclass(frozen=True)
class ParameterSet:
    """The amounts of art. 475da valid from one date (the letters are those of domain.md section 8)."""

    valid_from: date
    norm_single: Decimal  # A: also for single parents
    norm_couple: Decimal  # B
    healthcare_threshold: Decimal  # D: yearly, unrounded
    healthcare_rate: Decimal  # E: a fraction (0.1373)
    standard_premium: Decimal  # S: yearly standaardpremie
    healthcare_deduction_single: Decimal  # the 47 in Z = S/12 - 47
    healthcare_deduction_couple: Decimal  # the 106 in Z = 2S/12 - 106
    housing_rate_single: Decimal  # F
    housing_rate_multi: Decimal  # G
    rent_ceiling: Decimal  # H: monthly
    minimum_income_single: Decimal  # MIP_1p: yearly
    minimum_income_multi: Decimal  # MIP_mp: yearly
    own_rent_single: Decimal  # J_1p: monthly
    own_rent_multi: Decimal  # J_mp: monthly
    child_rate: Decimal  # K: a fraction (0.076)
    child_threshold_extra: Decimal  # L: yearly
    cap_single: Decimal
    cap_single_parent: Decimal
    cap_couple: Decimal
    cap_couple_children: Decimal
    valid_until: date | None = None  # inclusive; None: until the next set starts
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)

    def norm(self, household: HouseholdType) -> Decimal:
        return self.norm_couple if household.is_couple else self.norm_single

    def cap(self, household: HouseholdType) -> Decimal:
        return {
            HouseholdType.SINGLE: self.cap_single,
            HouseholdType.SINGLE_PARENT: self.cap_single_parent,
            HouseholdType.COUPLE: self.cap_couple,
            HouseholdType.COUPLE_CHILDREN: self.cap_couple_children,
        }[household]


@dataclass(frozen=True)
class BvvCalculation:
    """One BVV with every term, monthly amounts; only `bvv` is rounded."""

    household: HouseholdType
    parameters: ParameterSet
    yearly_income: Decimal  # C
    monthly_income: Decimal
    norm: Decimal
    base: Decimal  # 0.95 x norm
    healthcare: Decimal  # zorg
    housing: Decimal  # woon
    child: Decimal  # kgb
    cap: Decimal
    uncapped: Decimal  # base + zorg + woon + kgb
    is_capped: bool
    income_ceiling: Decimal  # 95% of the monthly income
    is_income_ceiling_applied: bool
    is_bijstand: bool
    other_income: Decimal  # only for the bijstand case
    bvv: Decimal

    @property
    def article(self) -> str:
        if self.is_bijstand:
            return ARTICLES["bijstand"]
        if self.is_income_ceiling_applied:
            return f"{ARTICLES['bvv']}, {ARTICLES['income_ceiling']}"
        return ARTICLES["bvv"]


def _monthly(yearly: Decimal) -> Decimal:
    return _CONTEXT.divide(yearly, TWELVE)


def beslagvrije_voet(
    *,
    household: HouseholdType,
    yearly_income: Decimal,
    parameters: ParameterSet,
    monthly_income: Decimal | None = None,
) -> BvvCalculation:
    """Compute the BVV of art. 475da for a yearly income C; the monthly income defaults to C / 12."""
    c = Decimal(yearly_income)
    if c < 0:
        raise ValueError("the yearly income cannot be negative")
    p = parameters
    ctx = _CONTEXT
    above_threshold = ctx.subtract(c, min(p.healthcare_threshold, c))  # C - min(D, C)

    # Every term below is twelve times its monthly value, so min/max compare exact decimals.
    if household.is_couple:
        healthcare_max = ctx.subtract(ctx.multiply(2, p.standard_premium), 12 * p.healthcare_deduction_couple)
    else:
        healthcare_max = ctx.subtract(p.standard_premium, 12 * p.healthcare_deduction_single)
    healthcare = min(ctx.multiply(above_threshold, p.healthcare_rate), healthcare_max)

    if household is HouseholdType.SINGLE:
        rate, minimum_income, own_rent = p.housing_rate_single, p.minimum_income_single, p.own_rent_single
    else:
        rate, minimum_income, own_rent = p.housing_rate_multi, p.minimum_income_multi, p.own_rent_multi
    housing = max(
        ZERO,
        min(ctx.multiply(ctx.subtract(c, minimum_income), rate), 12 * ctx.subtract(p.rent_ceiling, own_rent)),
    )

    if household is HouseholdType.SINGLE_PARENT:
        child = ctx.multiply(above_threshold, p.child_rate)
    elif household is HouseholdType.COUPLE_CHILDREN:
        reduced = ctx.subtract(c, ctx.add(min(p.healthcare_threshold, c), p.child_threshold_extra))
        child = max(ZERO, ctx.multiply(reduced, p.child_rate))
    else:
        child = ZERO

    norm = p.norm(household)
    base = ctx.multiply(12 * norm, NORM_RATE)
    uncapped = ctx.add(ctx.add(base, healthcare), ctx.add(housing, child))
    cap = p.cap(household)
    capped = min(uncapped, 12 * cap)
    monthly = _monthly(c) if monthly_income is None else Decimal(monthly_income)
    ceiling = ctx.multiply(12 * monthly, INCOME_CEILING_RATE)
    yearly_bvv = min(capped, ceiling)
    return BvvCalculation(
        household=household,
        parameters=p,
        yearly_income=c,
        monthly_income=monthly,
        norm=norm,
        base=_monthly(base),
        healthcare=_monthly(healthcare),
        housing=_monthly(housing),
        child=_monthly(child),
        cap=cap,
        uncapped=_monthly(uncapped),
        is_capped=uncapped > 12 * cap,
        income_ceiling=_monthly(ceiling),
        is_income_ceiling_applied=ceiling < capped,
        is_bijstand=False,
        other_income=ZERO,
        bvv=_monthly(yearly_bvv).quantize(CENT, rounding=ROUND_HALF_UP),
    )


def bijstand_beslagvrije_voet(
    *, household: HouseholdType, parameters: ParameterSet, other_income: Decimal = ZERO
) -> BvvCalculation:
    """Compute the BVV on a municipal benefit: 95% of the norm less other income, never below 0."""
    other = Decimal(other_income)
    norm = parameters.norm(household)
    base = _CONTEXT.multiply(norm, NORM_RATE)
    bvv = max(ZERO, _CONTEXT.subtract(base, other))
    return BvvCalculation(
        household=household,
        parameters=parameters,
        yearly_income=ZERO,
        monthly_income=ZERO,
        norm=norm,
        base=base,
        healthcare=ZERO,
        housing=ZERO,
        child=ZERO,
        cap=parameters.cap(household),
        uncapped=base,
        is_capped=False,
        income_ceiling=ZERO,
        is_income_ceiling_applied=False,
        is_bijstand=True,
        other_income=other,
        bvv=bvv.quantize(CENT, rounding=ROUND_HALF_UP),
    )


class IncomeBasis(StrEnum):
    LATEST_MONTH = "latest_month"
    MEAN_OF_MONTHS = "mean_of_months"


@dataclass(frozen=True)
class YearlyIncome:
    amount: Decimal  # C
    basis: IncomeBasis
    latest: Decimal
    mean: Decimal
    months: tuple[Decimal, ...]

    @property
    def monthly(self) -> Decimal:
        """The representative monthly income: C / 12."""
        return _monthly(self.amount)


def yearly_income_from(monthly_incomes: Sequence[Decimal]) -> YearlyIncome:
    """Derive C: 12 x the latest month, or 12 x the mean of the last 4 months when the latest is off by more than 20%."""
    if not monthly_incomes:
        raise ValueError("at least one month of income is needed")
    months = tuple(Decimal(amount) for amount in monthly_incomes[-INCOME_HISTORY_MONTHS:])
    latest = months[-1]
    mean = _CONTEXT.divide(sum(months, ZERO), Decimal(len(months)))
    deviation = abs(latest - mean)
    if deviation > _CONTEXT.multiply(mean, NOT_REPRESENTATIVE_DEVIATION):
        return YearlyIncome(_CONTEXT.multiply(12, mean), IncomeBasis.MEAN_OF_MONTHS, latest, mean, months)
    return YearlyIncome(12 * latest, IncomeBasis.LATEST_MONTH, latest, mean, months)


@dataclass(frozen=True)
class RepaymentTerms:
    """A municipality's repayment policy: percentages of the norm and of the income above it."""

    norm_percentage: Decimal = Decimal(5)
    excess_percentage: Decimal = Decimal(35)


DEFAULT_REPAYMENT_TERMS = RepaymentTerms()


def repayment_capacity(
    *, monthly_income: Decimal, norm: Decimal, bvv: Decimal, terms: RepaymentTerms = DEFAULT_REPAYMENT_TERMS
) -> Decimal:
    """Compute the monthly capacity: a share of the norm plus a share of income above it, within income - BVV."""
    ctx = _CONTEXT
    excess = max(ZERO, ctx.subtract(monthly_income, norm))
    wanted = ctx.add(
        ctx.divide(ctx.multiply(norm, terms.norm_percentage), 100),
        ctx.divide(ctx.multiply(excess, terms.excess_percentage), 100),
    )
    capacity = max(ZERO, min(wanted, ctx.subtract(monthly_income, bvv)))
    # Rounded down: a proposal never asks a cent more than the debtor can miss.
    return capacity.quantize(CENT, rounding=ROUND_DOWN)


def proposed_instalment(*, capacity: Decimal, claim_amount: Decimal | None = None) -> Decimal:
    """Propose the monthly instalment: the capacity, but never more than what is still owed."""
    if claim_amount is None:
        return capacity
    return max(ZERO, min(capacity, Decimal(claim_amount)))


@dataclass(frozen=True)
class DebtorIncome:
    """What the BVV of one debtor in one period needs, gathered by the caller in bulk."""

    debtor_id: int
    household_type: str | None  # the debtor file's value (alleenstaand, ...), or an English code
    monthly_incomes: Sequence[Decimal]  # inc(m) for the months up to the period, oldest first; 0 for none
    instalment: Decimal | None = None  # the current agreed monthly instalment
    claim_amount: Decimal | None = None
    is_on_bijstand: bool = False  # then monthly_incomes is the income besides the benefit


@dataclass(frozen=True)
class DebtorFigures:
    """C, the BVV with its terms, the capacity and the proposed instalment of one debtor."""

    debtor_id: int
    income: YearlyIncome
    calculation: BvvCalculation
    capacity: Decimal
    proposed_instalment: Decimal
    current_instalment: Decimal

    @property
    def capacity_gap(self) -> Decimal:
        """Proposed minus current instalment: positive when the instalment could rise."""
        return self.proposed_instalment - self.current_instalment

    def evidence(self) -> dict[str, object]:
        """Return the figures as JSON-ready strings for signal evidence and letters."""
        c = self.calculation
        return {
            "bvv": str(c.bvv),
            "bvv_article": c.article,
            "bvv_parameters_valid_from": c.parameters.valid_from.isoformat(),
            "household": str(c.household),
            "yearly_income": _cents(self.income.amount),
            "income_basis": str(self.income.basis),
            "income_months": [_cents(amount) for amount in self.income.months],
            "monthly_income": _cents(c.monthly_income),
            "bvv_terms": {
                "norm": _cents(c.norm),
                "base": _cents(c.base),
                "healthcare": _cents(c.healthcare),
                "housing": _cents(c.housing),
                "child": _cents(c.child),
                "cap": _cents(c.cap),
                "is_capped": c.is_capped,
                "income_ceiling": _cents(c.income_ceiling),
                "is_income_ceiling_applied": c.is_income_ceiling_applied,
                "is_bijstand": c.is_bijstand,
                "other_income": _cents(c.other_income),
            },
            "capacity": str(self.capacity),
            "proposed_instalment": str(self.proposed_instalment),
            "current_instalment": _cents(self.current_instalment),
            "capacity_gap": _cents(self.capacity_gap),
        }


def _cents(amount: Decimal) -> str:
    """Show an intermediate term to the cent; the calculation itself keeps it exact."""
    return str(amount.quantize(CENT, rounding=ROUND_HALF_UP))


def debtor_figures(
    debtor: DebtorIncome, *, parameters: ParameterSet, terms: RepaymentTerms = DEFAULT_REPAYMENT_TERMS
) -> DebtorFigures:
    """Compute the BVV figures of one debtor against one parameter set and repayment policy."""
    household = household_type_from(debtor.household_type)
    income = yearly_income_from(debtor.monthly_incomes or [ZERO])
    if debtor.is_on_bijstand:
        calculation = bijstand_beslagvrije_voet(
            household=household, parameters=parameters, other_income=income.monthly
        )
        # The benefit tops the other income up to the norm.
        monthly_income = max(calculation.norm, income.monthly)
    else:
        calculation = beslagvrije_voet(
            household=household, yearly_income=income.amount, parameters=parameters
        )
        monthly_income = calculation.monthly_income
    capacity = repayment_capacity(
        monthly_income=monthly_income, norm=calculation.norm, bvv=calculation.bvv, terms=terms
    )
    return DebtorFigures(
        debtor_id=debtor.debtor_id,
        income=income,
        calculation=calculation,
        capacity=capacity,
        proposed_instalment=proposed_instalment(capacity=capacity, claim_amount=debtor.claim_amount),
        current_instalment=Decimal(debtor.instalment or ZERO).quantize(CENT, rounding=ROUND_HALF_UP),
    )


def figures(
    debtors: Iterable[DebtorIncome],
    *,
    parameters: ParameterSet,
    terms: RepaymentTerms = DEFAULT_REPAYMENT_TERMS,
) -> dict[int, DebtorFigures]:
    """Compute the figures of many debtors of one municipality and period, keyed by debtor id."""
    return {
        debtor.debtor_id: debtor_figures(debtor, parameters=parameters, terms=terms) for debtor in debtors
    }
