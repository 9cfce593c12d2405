from datetime import date
from decimal import Decimal

import pytest

from reporting import formatting


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (Decimal("1234.56"), "€ 1.234,56"),
        (Decimal("0.005"), "€ 0,01"),
        (Decimal("1000000"), "€ 1.000.000,00"),
        (85, "€ 85,00"),
        (Decimal("-12.5"), "-€ 12,50"),
    ],
)
def test_money_is_formatted_the_dutch_way(amount, expected):
    assert formatting.money(amount) == expected


def test_long_date_is_dutch():
    assert formatting.long_date(date(2026, 12, 7)) == "7 december 2026"


def test_month_label_is_short():
    assert formatting.month_label(date(2026, 3, 1)) == "mrt 26"


def test_percentage_rounds_half_up_and_handles_zero():
    assert formatting.percentage(1, 8) == Decimal("12.5")
    assert formatting.percentage(2, 3) == Decimal("66.7")
    assert formatting.percentage(1, 0) is None
