import pytest
from django.core.cache import cache
from django.test import Client

from tenancy import suppliers
from tests.tenancy.factories import CovenantFactory, MunicipalityFactory, SupplierFactory


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()  # the throttle counts live in the cache


@pytest.fixture
def gemeente():
    return MunicipalityFactory(code="0999")


@pytest.fixture
def supplier(gemeente):
    supplier = SupplierFactory(name="Woonstad", partner_type="Huur")
    CovenantFactory(municipality=gemeente, supplier=supplier)
    return supplier


@pytest.fixture
def token_client():
    """token_client(supplier, **token fields) -> (token, an API client carrying its key)."""

    def make(supplier, **fields):
        token, key = suppliers.create_api_token(supplier=supplier, name="koppeling", **fields)
        return token, Client(HTTP_AUTHORIZATION=f"Bearer {key}")

    return make


@pytest.fixture
def api(supplier, token_client):
    return token_client(supplier)[1]
