from decimal import Decimal

import pytest
from django.urls import reverse

from thresholds.models import ThresholdChange, ThresholdProfile
from thresholds.services import create_default_thresholds

pytestmark = pytest.mark.django_db

VALID = {
    "income_threshold": "1600,00",
    "rise_abs": "100",
    "rise_pct": "10",
    "persistence_months": "3",
    "lookback_months": "12",
    "vow_norm": "1400",
    "asset_threshold": "7500",
    "vehicle_threshold": "5000",
    "enabled_signal_types": ["INCOME_RISE", "ASSETS"],
}


@pytest.fixture
def profile(municipality):
    create_default_thresholds(municipality=municipality)
    return ThresholdProfile.objects.get(municipality=municipality, category="payer")


@pytest.fixture
def admin_client(municipality, member, client_for):
    return client_for(member(municipality, "administrator"))


def test_administrator_saves_thresholds_with_history(admin_client, profile):
    response = admin_client.post(reverse("thresholds:profile-edit", kwargs={"profile_id": profile.pk}), VALID)

    assert response.status_code == 302
    profile.refresh_from_db()
    assert (profile.income_threshold, profile.persistence_months) == (Decimal(1600), 3)
    assert profile.enabled_signal_types == ["ASSETS", "INCOME_RISE"]
    change = ThresholdChange.objects.get()
    assert change.changes["income_threshold"] == ["1500.00", "1600.00"]
    history = admin_client.get(reverse("thresholds:profile-history", kwargs={"profile_id": profile.pk}))
    assert "1600.00" in history.content.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("income_threshold", "-1", "Vul een bedrag van 0 of meer in."),
        ("rise_pct", "1000,01", "Vul een percentage van 0 tot 1000 in."),
        ("rise_pct", "-1", "Vul een percentage van 0 tot 1000 in."),
        ("persistence_months", "0", "De aanhoudendheid is minstens 1 maand."),
        ("lookback_months", "2", "De terugkijkperiode moet minstens zo lang zijn als de aanhoudendheid."),
    ],
)
def test_invalid_values_are_refused_in_dutch(admin_client, profile, field, value, message):
    response = admin_client.post(
        reverse("thresholds:profile-edit", kwargs={"profile_id": profile.pk}), {**VALID, field: value}
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert ThresholdChange.objects.count() == 0


def test_switches_offer_only_applicable_types(admin_client, municipality, profile):
    vow = ThresholdProfile.objects.get(municipality=municipality, category="vow")

    response = admin_client.post(
        reverse("thresholds:profile-edit", kwargs={"profile_id": vow.pk}),
        {**VALID, "persistence_months": "2", "enabled_signal_types": ["INCOME_RISE"]},
    )

    assert response.status_code == 200
    vow.refresh_from_db()
    assert "INCOME_RISE" not in vow.enabled_signal_types


@pytest.mark.parametrize("role", ["consultant", "manager"])
def test_only_administrators_see_thresholds(municipality, member, client_for, profile, role):
    client = client_for(member(municipality, role))

    assert client.get(reverse("thresholds:profile-list")).status_code == 403
    assert (
        client.post(reverse("thresholds:profile-edit", kwargs={"profile_id": profile.pk}), VALID).status_code
        == 403
    )
    profile.refresh_from_db()
    assert profile.income_threshold == Decimal(1500)


def test_other_municipality_profile_is_404(other_municipality, member, client_for, profile):
    client = client_for(member(other_municipality, "administrator"))

    response = client.get(reverse("thresholds:profile-edit", kwargs={"profile_id": profile.pk}))

    assert response.status_code == 404


def test_list_shows_own_profiles(admin_client, profile, django_assert_num_queries):
    with django_assert_num_queries(8):
        response = admin_client.get(reverse("thresholds:profile-list"))

    assert response.status_code == 200
    assert [p.category for p in response.context["profiles"]] == ["non_payer", "payer", "vow"]
