import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from tenancy import suppliers, tokens
from tenancy.models import ApiToken, Covenant, Supplier
from tests.tenancy.factories import MunicipalityFactory, SupplierFactory


@pytest.mark.django_db
def test_create_supplier_command_is_repeatable_per_municipality():
    MunicipalityFactory(code="0363")
    MunicipalityFactory(code="0599")

    call_command(
        "create_supplier", "Woonstad", "--partner-type", "Huur", "--municipality", "GM0363", stdout=StringIO()
    )
    call_command(
        "create_supplier", "Woonstad", "--partner-type", "Huur", "--municipality", "0599", stdout=StringIO()
    )
    call_command(
        "create_supplier", "Woonstad", "--partner-type", "Huur", "--municipality", "0599", stdout=StringIO()
    )

    supplier = Supplier.objects.get()
    assert supplier.partner_type == "Huur"
    assert sorted(Covenant.objects.values_list("municipality__code", "valid_to")) == [
        ("0363", None),
        ("0599", None),
    ]


@pytest.mark.django_db
def test_create_supplier_for_an_unknown_municipality_fails():
    with pytest.raises(CommandError, match="Municipality 0123 does not exist"):
        call_command("create_supplier", "X", "--partner-type", "Huur", "--municipality", "0123")
    assert Supplier.objects.count() == 0


@pytest.mark.django_db
def test_create_api_token_prints_the_key_last_and_stores_only_its_hash():
    SupplierFactory(name="Woonstad")
    out = StringIO()

    call_command("create_api_token", "Woonstad", stdout=out)

    key = out.getvalue().strip().splitlines()[-1]
    token = ApiToken.objects.get()
    assert token.key_hash == tokens.hash_key(key)
    assert key not in (token.key_hash, token.key_prefix)
    assert sorted(token.scopes) == ["read_feedback", "write_reports"]
    assert Client(HTTP_AUTHORIZATION=f"Bearer {key}").get("/api/v1/feedback").status_code == 200


@pytest.mark.django_db
def test_ended_covenant_is_not_active_the_day_after():
    supplier = suppliers.create_supplier(
        name="Stroom",
        partner_type="Energie",
        municipality=MunicipalityFactory(),
        valid_from=dt.date(2026, 1, 1),
    )
    covenant = suppliers.end_covenant(covenant=Covenant.objects.get(), valid_to=dt.date(2026, 5, 31))

    assert list(Covenant.objects.active_on(dt.date(2026, 5, 31)).filter(supplier=supplier)) == [covenant]
    assert list(Covenant.objects.active_on(dt.date(2026, 6, 1)).filter(supplier=supplier)) == []
