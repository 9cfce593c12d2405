"""Use cases of suppliers (signaalpartners): onboarding, covenants with municipalities, API tokens."""

import datetime as dt

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from . import shared_cache
from .models import ApiToken, Covenant, Municipality, PartnerType, Supplier
from .services import issue_api_token


def covenant_cache_key(*, supplier_id: int, day: dt.date) -> str:
    return f"arrears:covenants:{supplier_id}:{day.isoformat()}"


def _forget_covenants(supplier: Supplier) -> None:
    shared_cache.delete(covenant_cache_key(supplier_id=supplier.pk, day=timezone.localdate()))


SUPPLIER_SCOPES = [ApiToken.Scope.WRITE_REPORTS, ApiToken.Scope.READ_FEEDBACK]


@transaction.atomic
def create_supplier(
    *,
    name: str,
    partner_type: str,
    municipality: Municipality | None = None,
    valid_from: dt.date | None = None,
) -> Supplier:
    """Create a supplier (or find it by name) and, given a municipality, an active covenant with it."""
    if partner_type not in PartnerType.values:
        raise ValidationError(f"{partner_type!r} is not a DDAS partner type.")
    supplier, created = Supplier.objects.get_or_create(
        name=name.strip(), defaults={"partner_type": partner_type}
    )
    if not created and supplier.partner_type != partner_type:
        raise ValidationError(
            f"Supplier {supplier.name} already exists with partner type {supplier.partner_type}."
        )
    if municipality is not None:
        add_covenant(supplier=supplier, municipality=municipality, valid_from=valid_from)
    return supplier


def add_covenant(
    *,
    supplier: Supplier,
    municipality: Municipality,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
) -> Covenant:
    """Give a supplier a covenant with a municipality; an active one is reused (repeatable onboarding)."""
    valid_from = valid_from or timezone.localdate()
    active = (
        Covenant.objects.for_municipality(municipality)
        .active_on(valid_from)
        .filter(supplier=supplier)
        .first()
    )
    if active is not None and valid_to is None:
        return active
    covenant = Covenant(
        municipality=municipality, supplier=supplier, valid_from=valid_from, valid_to=valid_to
    )
    covenant.full_clean()
    covenant.save()
    _forget_covenants(supplier)
    return covenant


def end_covenant(*, covenant: Covenant, valid_to: dt.date | None = None) -> Covenant:
    """End a covenant; from the day after, the supplier's reports for this municipality are refused."""
    covenant.valid_to = max(valid_to or timezone.localdate(), covenant.valid_from)
    covenant.save(update_fields=["valid_to"])
    _forget_covenants(covenant.supplier)
    return covenant


def create_api_token(
    *,
    supplier: Supplier,
    name: str,
    created_by: AbstractBaseUser | None = None,
    rate_limit_per_minute: int | None = None,
) -> tuple[ApiToken, str]:
    """Issue a supplier token for reports and feedback; the key is returned once and stored hashed."""
    token, key = issue_api_token(
        name=name, scopes=list(SUPPLIER_SCOPES), supplier=supplier, created_by=created_by
    )
    if rate_limit_per_minute is not None:
        token.rate_limit_per_minute = rate_limit_per_minute
        token.save(update_fields=["rate_limit_per_minute"])
    return token, key
