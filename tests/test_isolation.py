"""Walk every URL and API endpoint as a member or client of another municipality.

Object pages must answer 403/404 (never show or change the object); list pages must not show any of
the other municipality's data. A URL keyword argument without a maker in some `tests/<app>/isolation.py`
fails the walk, so a new endpoint cannot be added without being covered.
"""

import importlib
import pkgutil
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import tests
from tenancy import services
from tenancy.models import ApiToken, Role
from tests.tenancy.factories import CovenantFactory, MunicipalityFactory, SupplierFactory

# Pages without a municipality's data: the framework's own, public documentation, login.
EXEMPT_PREFIXES = ("admin:", "set_language", "login", "logout", "api-schema", "api-swagger", "api-redoc")
OBJECT_STATUSES = {403, 404, 405}
LIST_STATUSES = {200, 302, 400, 403, 405, 415}  # 415: a JSON-only API refusing a form post


@dataclass(frozen=True)
class Endpoint:
    name: str
    kwargs: tuple[str, ...]

    @property
    def is_api(self) -> bool:
        return self.name.startswith("api:")


def walk(patterns: list, namespace: str = "", kwargs: tuple[str, ...] = ()) -> Iterator[Endpoint]:
    for pattern in patterns:
        names = kwargs + tuple(pattern.pattern.converters) + tuple(pattern.pattern.regex.groupindex)
        if isinstance(pattern, URLResolver):
            child = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from walk(pattern.url_patterns, child, names)
        elif isinstance(pattern, URLPattern):
            yield Endpoint(f"{namespace}{pattern.name or ''}", tuple(dict.fromkeys(names)))


def isolation_modules() -> Iterator[object]:
    for info in pkgutil.walk_packages(tests.__path__, "tests."):
        if info.name.endswith(".isolation"):
            yield importlib.import_module(info.name)


def endpoints() -> list[Endpoint]:
    found = {
        endpoint
        for endpoint in walk(get_resolver().url_patterns)
        if not endpoint.name.startswith(EXEMPT_PREFIXES)
    }
    return sorted(found, key=lambda endpoint: endpoint.name)


def test_every_url_pattern_has_a_name():
    unnamed = [e for e in walk(get_resolver().url_patterns) if e.name.endswith(":") or not e.name]
    unnamed = [e for e in unnamed if not e.name.startswith(EXEMPT_PREFIXES)]
    assert unnamed == []


@pytest.mark.django_db
def test_walk_every_endpoint_as_another_municipality(member, client_for):
    owner = MunicipalityFactory(name="Gemeente Kanariedorp")
    intruder = MunicipalityFactory()
    makers: dict = {}
    canaries: list[str] = []
    for module in isolation_modules():
        makers.update(getattr(module, "KWARGS", {}))
        if hasattr(module, "seed"):
            canaries += module.seed(owner)

    missing = sorted({(e.name, k) for e in endpoints() for k in e.kwargs if k not in makers})
    assert missing == [], (
        "URL keyword arguments without an isolation maker (add them to tests/<app>/isolation.py)"
    )
    values = {name: maker(owner) for name, maker in makers.items()}

    browser_clients = {role: client_for(member(intruder, role)) for role in Role.values}
    api_clients = api_clients_of(intruder)
    failures = []
    for endpoint in endpoints():
        url = reverse(endpoint.name, kwargs={k: values[k] for k in endpoint.kwargs})
        clients = api_clients if endpoint.is_api else browser_clients
        for who, client in clients.items():
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                failure = judge(endpoint, response, canaries)
                if failure:
                    failures.append(f"{method.upper()} {url} as {who}: {failure}")
    assert failures == []


def api_clients_of(municipality) -> dict[str, Client]:
    """A municipality system token and a supplier token whose covenant is with `municipality` only."""
    _token, system_key = services.issue_api_token(
        name="systeem", municipality=municipality, scopes=list(ApiToken.Scope.values)
    )
    supplier = SupplierFactory()
    CovenantFactory(municipality=municipality, supplier=supplier)
    _token, supplier_key = services.issue_api_token(
        name="leverancier", supplier=supplier, scopes=list(ApiToken.Scope.values)
    )
    return {
        "municipality system": Client(HTTP_AUTHORIZATION=f"Bearer {system_key}"),
        "supplier": Client(HTTP_AUTHORIZATION=f"Bearer {supplier_key}"),
    }


def judge(endpoint: Endpoint, response, canaries: list[str]) -> str:
    if endpoint.kwargs:
        if response.status_code not in OBJECT_STATUSES:
            return f"status {response.status_code} for another municipality's object"
        return ""
    if response.status_code not in LIST_STATUSES:
        return f"unexpected status {response.status_code}"
    body = b"".join(response.streaming_content) if response.streaming else response.content
    leaked = [canary for canary in canaries if canary.encode() in body]
    return f"shows {leaked}" if leaked else ""
