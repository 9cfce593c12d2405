"""Dutch formatting of money, dates and months for letters and reports.

Letters are always Dutch, whatever language the consultant's browser asks for, so these do not
depend on the active Django locale.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

MONTHS = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)
SHORT_MONTHS = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


def money(amount: Decimal | int) -> str:
    """Format euros the Dutch way: € 1.234,56."""
    cents = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if cents < 0 else ""
    whole, fraction = f"{abs(cents):.2f}".split(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"{sign}€ {grouped},{fraction}"


def long_date(day: date) -> str:
    """Format a date as Dutch letters write it: 7 december 2026."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def month_label(period: date) -> str:
    """Short label of a period for chart axes: nov 2026 -> 'nov 26'."""
    return f"{SHORT_MONTHS[period.month - 1]} {period:%y}"


def percentage(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """Share of part in whole as a percentage with one decimal; None when whole is 0."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
