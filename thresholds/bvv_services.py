"""Use cases of the beslagvrije voet: the set in force, the repayment policy, per-debtor figures in bulk."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction

from tenancy.models import Municipality
from thresholds import bvv
from thresholds.models.bvv import BvvParameterSet, RepaymentPolicy


def parameters_on(on: date) -> bvv.ParameterSet:
    """Return the BVV parameter set in force on a date, or raise NoBvvParameters."""
    return BvvParameterSet.objects.in_force_on(on).as_parameters()


def repayment_terms(*, municipality: Municipality, on: date) -> bvv.RepaymentTerms:
    """Return the municipality's repayment policy in force on a date; the defaults when it has none."""
    policy = RepaymentPolicy.objects.for_municipality(municipality).in_force_on(on)
    return bvv.DEFAULT_REPAYMENT_TERMS if policy is None else policy.as_terms()


def calculate(*, household: bvv.HouseholdType, yearly_income: Decimal, on: date) -> bvv.BvvCalculation:
    """Compute the BVV for a household and yearly income with the set in force on a date."""
    return bvv.beslagvrije_voet(
        household=household, yearly_income=yearly_income, parameters=parameters_on(on)
    )


def figures_for(
    *, municipality: Municipality, period: date, debtors: Iterable[bvv.DebtorIncome]
) -> dict[int, bvv.DebtorFigures]:
    """Compute the BVV figures of many debtors of one municipality for one period, in two queries."""
    parameters = parameters_on(period)
    terms = repayment_terms(municipality=municipality, on=period)
    return bvv.figures(debtors, parameters=parameters, terms=terms)


@transaction.atomic
def change_repayment_policy(
    *,
    municipality: Municipality,
    user: User | None,
    valid_from: date,
    norm_percentage: Decimal,
    excess_percentage: Decimal,
    reason: str = "",
) -> RepaymentPolicy:
    """Record a new repayment policy; earlier ones stay as its history."""
    return RepaymentPolicy.objects.create(
        municipality=municipality,
        created_by=user,
        valid_from=valid_from,
        norm_percentage=norm_percentage,
        excess_percentage=excess_percentage,
        reason=reason,
    )
