import pytest

from signals import demo
from thresholds.services import create_default_thresholds

from . import scenario

pytestmark = pytest.mark.django_db


def test_showcase_debtors_give_every_signal_type(municipality):
    create_default_thresholds(municipality=municipality)
    demo.add_showcase_debtors(municipality=municipality, period=scenario.JANUARY)
    demo.add_showcase_debtors(
        municipality=municipality, period=scenario.JANUARY
    )  # a second call adds nothing

    scenario.run_inline(municipality)

    assert scenario.stored(municipality) == [
        ("TOON-01", "INCOME_RISE", ""),
        ("TOON-02", "INCOME_ABOVE_THRESHOLD", ""),
        ("TOON-03", "INCOME_ABOVE_AFTER_DROP", ""),
        ("TOON-04", "NEW_INCOME_SOURCE", "L100000002"),
        ("TOON-05", "VOW_FOUND_ABOVE_NORM", ""),
        ("TOON-06", "VOW_FOUND_BELOW_NORM", ""),
        ("TOON-07", "ASSETS", ""),
        ("TOON-08", "VEHICLE", "TN-008-X"),
    ]
