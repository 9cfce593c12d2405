"""API hardening: every API view names the scope it needs; without it 403, an expired token 401.

The walk covers every route under /api/v1/, so an endpoint added later is checked the same way.
"""

import datetime
import logging
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.views import APIView

from tenancy.api.permissions import IsMunicipalityClient, IsSupplierClient, required_scope
from tenancy.models import ApiToken
from tenancy.services import issue_api_token
from tests.tenancy.factories import CovenantFactory, MunicipalityFactory, SupplierFactory

METHODS = ("get", "post", "put", "patch", "delete")
SCOPES = set(ApiToken.Scope.values)


def api_routes() -> list[tuple[str, type]]:
    """(path pattern, view class) of every route in the "api" namespace."""
    found: list[tuple[str, type]] = []

    def walk(patterns: list, prefix: str, in_api: bool) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + str(entry.pattern), in_api or entry.namespace == "api")
            elif isinstance(entry, URLPattern) and in_api:
                found.append((prefix + str(entry.pattern), entry.callback.view_class))

    walk(get_resolver().url_patterns, "/", False)
    return found


def methods_of(view_class: type) -> list[str]:
    return [method for method in METHODS if hasattr(view_class, method)]


def needed_scope(view_class: type, method: str) -> str:
    view = view_class()
    view.request = SimpleNamespace(method=method.upper())
    return required_scope(view)


def concrete(path: str) -> str:
    for converter, value in (
        ("<int:", "1"),
        ("<str:", "REF-1"),
        ("<uuid:", "00000000-0000-0000-0000-000000000000"),
    ):
        while converter in path:
            start = path.index(converter)
            path = path[:start] + value + path[path.index(">", start) + 1 :]
    return path


ROUTES = api_routes()


def test_the_walk_finds_the_supplier_endpoints():
    assert {path for path, _view in ROUTES} >= {
        "/api/v1/arrears-reports",
        "/api/v1/arrears-reports/<str:reference>",
        "/api/v1/arrears-reports/<str:reference>/withdraw",
        "/api/v1/feedback",
    }


@pytest.mark.parametrize(("path", "view_class"), ROUTES, ids=[path for path, _view in ROUTES])
def test_every_api_view_checks_owner_and_a_known_scope(path, view_class):
    owners = [
        c for c in view_class.permission_classes if issubclass(c, (IsSupplierClient, IsMunicipalityClient))
    ]
    assert owners, f"{path} lets any token in"
    for method in methods_of(view_class):
        assert needed_scope(view_class, method) in SCOPES, f"{method.upper()} {path}"


def _token(*, owner_kind: str, scopes: list[str], expires_at=None) -> Client:
    if owner_kind == "supplier":
        supplier = SupplierFactory(partner_type="Huur")
        CovenantFactory(municipality=MunicipalityFactory(), supplier=supplier)
        _token, key = issue_api_token(name="t", supplier=supplier, scopes=scopes, expires_at=expires_at)
    else:
        _token, key = issue_api_token(
            name="t", municipality=MunicipalityFactory(), scopes=scopes, expires_at=expires_at
        )
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def _owner_kind(view_class: type) -> str:
    return "supplier" if IsSupplierClient in view_class.permission_classes else "municipality"


def _call(client: Client, method: str, path: str):
    if method == "get":
        return client.get(concrete(path))
    return getattr(client, method)(concrete(path), data="{}", content_type="application/json")


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "view_class"), ROUTES, ids=[path for path, _view in ROUTES])
def test_a_token_with_every_other_scope_is_refused_with_403(path, view_class, caplog):
    for method in methods_of(view_class):
        needed = needed_scope(view_class, method)
        client = _token(owner_kind=_owner_kind(view_class), scopes=sorted(SCOPES - {needed}))
        with caplog.at_level(logging.WARNING, logger="debtsignal.api.refusals"):
            response = _call(client, method, path)
        assert response.status_code == 403, f"{method.upper()} {path}"
        assert f"token lacks the scope {needed}" in caplog.text


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "view_class"), ROUTES, ids=[path for path, _view in ROUTES])
def test_an_expired_token_is_refused_with_401(path, view_class, caplog):
    past = timezone.now() - datetime.timedelta(seconds=1)
    client = _token(owner_kind=_owner_kind(view_class), scopes=sorted(SCOPES), expires_at=past)
    for method in methods_of(view_class):
        with caplog.at_level(logging.WARNING, logger="debtsignal.api.refusals"):
            response = _call(client, method, path)
        assert response.status_code == 401, f"{method.upper()} {path}"
    assert "unknown, expired or revoked token" in caplog.text


@pytest.mark.django_db
def test_a_token_not_yet_expired_gets_through():
    future = timezone.now() + datetime.timedelta(days=1)
    client = _token(owner_kind="supplier", scopes=["read_feedback"], expires_at=future)
    assert client.get("/api/v1/feedback").status_code == 200


@pytest.mark.django_db
def test_a_view_that_names_no_scope_refuses_every_token(rf):
    class Unscoped(APIView):
        permission_classes = [IsSupplierClient]

        def get(self, request):  # pragma: no cover - never reached
            raise AssertionError

    client = _token(owner_kind="supplier", scopes=sorted(SCOPES))
    key = client.defaults["HTTP_AUTHORIZATION"]
    response = Unscoped.as_view()(rf.get("/api/v1/unscoped", HTTP_AUTHORIZATION=key))
    assert response.status_code == 403


@pytest.mark.django_db
def test_refusal_log_holds_no_personal_data(caplog):
    client = _token(owner_kind="supplier", scopes=["read_feedback"])
    body = '{"reference": "R1", "client": {"bsn": "123456782", "last_name": "Kanarie"}}'
    with caplog.at_level(logging.WARNING, logger="debtsignal.api.refusals"):
        response = client.post("/api/v1/arrears-reports", data=body, content_type="application/json")
    assert response.status_code == 403
    assert "123456782" not in caplog.text
    assert "Kanarie" not in caplog.text
