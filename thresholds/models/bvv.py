"""Dated BVV parameter sets (national, superuser-only) and repayment policies per municipality."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenancy.models import TenantModel
from tenancy.models.base import TenantQuerySet
from thresholds import bvv

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

# The fields of a parameter set, in the order of domain.md section 8, with the letter used there.
PARAMETER_FIELDS = {
    "norm_single": "A",
    "norm_couple": "B",
    "healthcare_threshold": "D",
    "healthcare_rate": "E",
    "standard_premium": "S",
    "healthcare_deduction_single": "47",
    "healthcare_deduction_couple": "106",
    "housing_rate_single": "F",
    "housing_rate_multi": "G",
    "rent_ceiling": "H",
    "minimum_income_single": "MIP_1p",
    "minimum_income_multi": "MIP_mp",
    "own_rent_single": "J_1p",
    "own_rent_multi": "J_mp",
    "child_rate": "K",
    "child_threshold_extra": "L",
    "cap_single": "cap single",
    "cap_single_parent": "cap single parent",
    "cap_couple": "cap couple",
    "cap_couple_children": "cap couple with children",
}


def _amount(verbose_name: str | _StrPromise) -> models.DecimalField:
    # Wide and exact: D is published unrounded (29735.424) and rates are fractions (0.1373).
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=6)


class BvvParameterSetQuerySet(models.QuerySet["BvvParameterSet"]):
    def in_force_on(self, on: date) -> BvvParameterSet:
        """Return the set in force on a date, or raise NoBvvParameters."""
        chosen = self.filter(valid_from__lte=on).order_by("-valid_from").first()
        if chosen is None or (chosen.valid_until is not None and chosen.valid_until < on):
            raise bvv.NoBvvParameters(on)
        return chosen


class BvvParameterSet(models.Model):
    """The amounts of Rv art. 475da valid from one date; national, so not tenant-owned."""

    valid_from = models.DateField(_("valid from"), unique=True)
    valid_until = models.DateField(
        _("valid until"), null=True, blank=True, help_text=_("Empty: until the next set starts.")
    )
    norm_single = _amount(_("A: norm single and single parent"))
    norm_couple = _amount(_("B: norm couple"))
    healthcare_threshold = _amount(_("D: healthcare allowance threshold income (yearly)"))
    healthcare_rate = _amount(_("E: healthcare rate (fraction)"))
    standard_premium = _amount(_("S: standard premium (yearly)"))
    healthcare_deduction_single = _amount(_("healthcare deduction single (the 47)"))
    healthcare_deduction_couple = _amount(_("healthcare deduction couple (the 106)"))
    housing_rate_single = _amount(_("F: housing rate single (fraction)"))
    housing_rate_multi = _amount(_("G: housing rate multi-person (fraction)"))
    rent_ceiling = _amount(_("H: rent ceiling (monthly)"))
    minimum_income_single = _amount(_("MIP 1p: minimum income single (yearly)"))
    minimum_income_multi = _amount(_("MIP mp: minimum income multi-person (yearly)"))
    own_rent_single = _amount(_("J 1p: own share of rent single (monthly)"))
    own_rent_multi = _amount(_("J mp: own share of rent multi-person (monthly)"))
    child_rate = _amount(_("K: child budget rate (fraction)"))
    child_threshold_extra = _amount(_("L: child budget extra threshold couple (yearly)"))
    cap_single = _amount(_("cap single"))
    cap_single_parent = _amount(_("cap single parent"))
    cap_couple = _amount(_("cap couple"))
    cap_couple_children = _amount(_("cap couple with children"))
    sources = models.JSONField(
        _("sources"), default=dict, help_text=_("Per field name: where the value was published.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BvvParameterSetQuerySet.as_manager()

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("BVV parameter set")
        verbose_name_plural = _("BVV parameter sets")

    def __str__(self) -> str:
        return f"BVV {self.valid_from.isoformat()}"

    def as_parameters(self) -> bvv.ParameterSet:
        values: dict[str, Decimal] = {name: _plain(getattr(self, name)) for name in PARAMETER_FIELDS}
        return bvv.ParameterSet(
            valid_from=self.valid_from, valid_until=self.valid_until, sources=dict(self.sources), **values
        )


def _plain(value: Decimal) -> Decimal:
    """Drop the column's padding (1401.500000 -> 1401.5) so amounts read as published."""
    normalized = value.normalize()
    exponent = normalized.as_tuple().exponent
    return normalized.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else normalized


class RepaymentPolicyQuerySet(TenantQuerySet):
    def in_force_on(self, on: date) -> RepaymentPolicy | None:
        """Return the latest policy that started on or before a date (None: the defaults apply)."""
        return self.filter(valid_from__lte=on).order_by("-valid_from", "-created_at", "-pk").first()  # type: ignore[return-value]


def _percentage(verbose_name: str | _StrPromise, default: int) -> models.DecimalField:
    return models.DecimalField(
        verbose_name,
        max_digits=5,
        decimal_places=2,
        default=Decimal(default),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )


class RepaymentPolicy(TenantModel):
    """How much of an income a municipality asks as instalment; append-only, so the rows are its history."""

    valid_from = models.DateField(_("valid from"))
    norm_percentage = _percentage(_("percentage of the norm"), 5)
    excess_percentage = _percentage(_("percentage of the income above the norm"), 35)
    reason = models.CharField(_("reason for the change"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RepaymentPolicyQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["-valid_from", "-created_at", "-pk"]
        verbose_name = _("repayment policy")
        verbose_name_plural = _("repayment policies")

    def __str__(self) -> str:
        return f"{self.norm_percentage}% / {self.excess_percentage}% from {self.valid_from.isoformat()}"

    def as_terms(self) -> bvv.RepaymentTerms:
        return bvv.RepaymentTerms(
            norm_percentage=self.norm_percentage, excess_percentage=self.excess_percentage
        )
