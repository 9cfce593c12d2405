"""Print the beslagvrije voet of a household type and yearly income on a date, with every term."""

from argparse import ArgumentParser, ArgumentTypeError
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from thresholds import bvv, bvv_services


def _amount(value: str) -> Decimal:
    try:
        amount = Decimal(value.replace(",", "."))
    except InvalidOperation:
        raise ArgumentTypeError(f"not an amount: {value!r}") from None
    if not amount.is_finite() or amount < 0:
        raise ArgumentTypeError(f"not an amount: {value!r}")
    return amount


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ArgumentTypeError(f"not a date YYYY-MM-DD: {value!r}") from None


class Command(BaseCommand):
    help = "Compute the beslagvrije voet (Rv art. 475da); the last line reads 'BVV: 1234.56'."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--household", required=True, choices=[str(h) for h in bvv.HouseholdType])
        parser.add_argument(
            "--yearly-income", required=True, type=_amount, help="C, the yearly taxable income"
        )
        parser.add_argument("--date", required=True, type=_date, help="YYYY-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            calculation = bvv_services.calculate(
                household=bvv.HouseholdType(options["household"]),
                yearly_income=options["yearly_income"],
                on=options["date"],
            )
        except bvv.NoBvvParameters as error:
            raise CommandError(str(error)) from error
        lines = [
            f"Parameters valid from: {calculation.parameters.valid_from.isoformat()}",
            f"Household: {calculation.household}",
            f"Yearly income (C): {calculation.yearly_income}",
            f"Norm: {_cents(calculation.norm)}",
            f"95% of norm: {_cents(calculation.base)}",
            f"Healthcare (zorg): {_cents(calculation.healthcare)}",
            f"Housing (woon): {_cents(calculation.housing)}",
            f"Child budget (kgb): {_cents(calculation.child)}",
            f"Sum of terms: {_cents(calculation.uncapped)}",
            f"Cap: {_cents(calculation.cap)}{' (applied)' if calculation.is_capped else ''}",
            f"95% of monthly income: {_cents(calculation.income_ceiling)}"
            + (" (applied)" if calculation.is_income_ceiling_applied else ""),
            f"Article: {calculation.article}",
            f"BVV: {calculation.bvv}",
        ]
        self.stdout.write("\n".join(lines))


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(bvv.CENT, rounding=ROUND_HALF_UP)
