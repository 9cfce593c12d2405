from decimal import Decimal

import pytest

from tenancy.services import create_municipality
from thresholds import services
from thresholds.models import ThresholdChange, ThresholdProfile

pytestmark = pytest.mark.django_db


def test_new_municipality_gets_the_default_profiles():
    municipality = create_municipality(code="GM0999", name="Gemeente Nieuwdorp")

    profiles = {p.category: p for p in ThresholdProfile.objects.for_municipality(municipality)}

    assert sorted(profiles) == ["non_payer", "payer", "vow"]
    for profile in profiles.values():
        assert (
            profile.income_threshold,
            profile.rise_abs,
            profile.rise_pct,
            profile.persistence_months,
            profile.lookback_months,
            profile.vow_norm,
            profile.asset_threshold,
            profile.vehicle_threshold,
        ) == (Decimal(1500), Decimal(100), Decimal(10), 2, 12, Decimal(1400), Decimal(7500), Decimal(5000))
    assert profiles["payer"].enabled_signal_types == ["INCOME_RISE", "NEW_INCOME_SOURCE", "ASSETS", "VEHICLE"]
    assert profiles["non_payer"].enabled_signal_types == [
        "INCOME_ABOVE_THRESHOLD",
        "NEW_INCOME_SOURCE",
        "INCOME_ABOVE_AFTER_DROP",
        "ASSETS",
        "VEHICLE",
    ]
    assert profiles["vow"].enabled_signal_types == [
        "VOW_FOUND_ABOVE_NORM",
        "VOW_FOUND_BELOW_NORM",
        "ASSETS",
        "VEHICLE",
    ]


def test_defaults_are_created_once(municipality):
    services.create_default_thresholds(municipality=municipality)
    services.create_default_thresholds(municipality=municipality)

    assert ThresholdProfile.objects.for_municipality(municipality).count() == 3


def test_update_records_who_changed_what(municipality, member):
    services.create_default_thresholds(municipality=municipality)
    profile = ThresholdProfile.objects.get(municipality=municipality, category="payer")
    user = member(municipality, "administrator")

    change = services.update_threshold_profile(
        profile=profile,
        values={
            "income_threshold": Decimal("1600.00"),
            "persistence_months": 2,
            "enabled_signal_types": ["ASSETS"],
        },
        user=user,
    )

    assert change == ThresholdChange.objects.get()
    assert change.changed_by == user
    assert change.changed_by_name == user.username
    assert change.changes == {
        "income_threshold": ["1500.00", "1600.00"],
        "enabled_signal_types": [["ASSETS", "INCOME_RISE", "NEW_INCOME_SOURCE", "VEHICLE"], ["ASSETS"]],
    }
    profile.refresh_from_db()
    assert profile.income_threshold == Decimal(1600)
    assert profile.enabled_signal_types == ["ASSETS"]


def test_update_without_changes_records_nothing(municipality):
    services.create_default_thresholds(municipality=municipality)
    profile = ThresholdProfile.objects.get(municipality=municipality, category="vow")

    assert services.update_threshold_profile(profile=profile, values={"vow_norm": Decimal(1400)}) is None
    assert ThresholdChange.objects.count() == 0
