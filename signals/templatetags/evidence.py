"""Show signal evidence to a consultant: euro amounts and months written the Dutch way."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django import template
from django.utils.formats import date_format, number_format

register = template.Library()


@register.filter
def euro(value: str | Decimal | None) -> str:
    """`"1700.50"` -> `€ 1.700,50` in Dutch (the active language decides the separators)."""
    if value in (None, ""):
        return "\u2013"
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    return f"€ {number_format(amount, decimal_pos=2, use_l10n=True, force_grouping=True)}"


@register.filter
def month(value: str) -> str:
    """`"2026-01"` -> `januari 2026`."""
    try:
        year, number = str(value).split("-")[:2]
        return date_format(date(int(year), int(number), 1), "F Y")
    except (ValueError, TypeError):
        return str(value)


@register.filter
def day(value: str | None) -> str:
    """`"2026-01-15"` -> `15 januari 2026`."""
    if not value:
        return "\u2013"
    try:
        return date_format(date.fromisoformat(str(value)), "j F Y")
    except ValueError:
        return str(value)
