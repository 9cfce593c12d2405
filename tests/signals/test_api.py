import pytest
from django.test import Client
from django.urls import reverse

from tenancy import services as tenancy_services
from tests.tenancy.factories import SupplierFactory

from . import scenario

pytestmark = pytest.mark.django_db


def bearer(key):
    return {"Authorization": f"Bearer {key}"}


def municipality_key(municipality):
    return tenancy_services.issue_api_token(
        name="Kernsysteem", municipality=municipality, scopes=["signals"]
    )[1]


def test_municipality_system_reads_the_signals_of_a_period(municipality, django_assert_num_queries):
    scenario.build(municipality)
    scenario.run_inline(municipality)
    key = municipality_key(municipality)

    with django_assert_num_queries(5):
        response = Client().get(reverse("api:signal-list"), {"period": "2026-01"}, headers=bearer(key))

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 8
    assert [(r["debtor_ref"], r["type"], r["evidence_key"]) for r in body["results"]] == scenario.EXPECTED
    assert body["results"][0]["period"] == "2026-01"


def test_other_municipality_signals_are_not_listed(municipality, other_municipality):
    scenario.build(municipality)
    scenario.run_inline(municipality)

    response = Client().get(
        reverse("api:signal-list"),
        {"period": "2026-01"},
        headers=bearer(municipality_key(other_municipality)),
    )

    assert response.json()["count"] == 0


def test_period_is_required(municipality):
    response = Client().get(reverse("api:signal-list"), headers=bearer(municipality_key(municipality)))

    assert response.status_code == 400


def test_supplier_token_is_refused(municipality):
    supplier = SupplierFactory()
    key = tenancy_services.issue_api_token(name="Leverancier", supplier=supplier, scopes=[])[1]

    response = Client().get(reverse("api:signal-list"), {"period": "2026-01"}, headers=bearer(key))

    assert response.status_code == 403
