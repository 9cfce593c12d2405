"""Use cases of the tenancy app: municipalities with their defaults, members, API tokens."""

import re
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from . import tokens
from .models import ApiToken, Membership, Municipality, Supplier, Team
from .models.suppliers import forget_cached_token

CODE_PATTERN = re.compile(r"^(?:GM)?(\d{1,4})$")


def normalise_municipality_code(raw: str) -> str:
    """Return the 4-digit CBS code: `GM0363`, `gm363` and ` 0363 ` all give `0363`."""
    match = CODE_PATTERN.match(raw.strip().upper())
    if match is None:
        raise ValidationError(
            _("%(code)s is not a CBS municipality code (4 digits, e.g. 0363 or GM0363).") % {"code": raw}
        )
    return match.group(1).zfill(4)


@transaction.atomic
def create_municipality(*, code: str, name: str, **letterhead: str) -> Municipality:
    """Create a municipality and give it every app's defaults (thresholds, baskets, letters)."""
    code = normalise_municipality_code(code)
    if Municipality.objects.filter(code=code).exists():
        raise ValidationError(_("Municipality %(code)s already exists.") % {"code": code})
    municipality = Municipality(code=code, name=name.strip(), **letterhead)
    municipality.full_clean()
    municipality.save()
    for path in settings.MUNICIPALITY_DEFAULTS:
        import_string(path)(municipality=municipality)
    return municipality


def add_member(
    *, municipality: Municipality, user: AbstractBaseUser, role: str, teams: Iterable[Team] = ()
) -> Membership:
    """Give a user a role in a municipality (one role per municipality; a second call changes it)."""
    membership, _created = Membership.objects.update_or_create(
        municipality=municipality, user=user, defaults={"role": role}
    )
    membership.teams.set([team for team in teams if team.municipality_id == municipality.pk])
    return membership


@transaction.atomic
def enrol_member(
    *,
    municipality: Municipality,
    username: str,
    role: str,
    teams: Iterable[Team] = (),
    email: str = "",
    password: str = "",
) -> Membership:
    """Add a user (created when new) to a municipality with a role and teams."""
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(username=username, email=email, password=password)
    return add_member(municipality=municipality, user=user, role=role, teams=teams)


def remove_member(*, membership: Membership) -> None:
    """End a user's access to one municipality; the account and its audit trail stay."""
    membership.delete()


def issue_api_token(
    *,
    name: str,
    scopes: list[str],
    municipality: Municipality | None = None,
    supplier: Supplier | None = None,
    created_by: AbstractBaseUser | None = None,
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Create a token and return it with its key; only the hash is stored, so the key is shown once."""
    key = tokens.new_key()
    token = ApiToken.objects.create(
        name=name,
        key_prefix=tokens.display_prefix(key),
        key_hash=tokens.hash_key(key),
        municipality=municipality,
        supplier=supplier,
        scopes=scopes,
        created_by=created_by if getattr(created_by, "pk", None) else None,
        expires_at=expires_at,
    )
    return token, key


def revoke_api_token(*, token: ApiToken) -> None:
    """Stop a token from working from now on; the row stays for the audit trail."""
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    forget_cached_token(token.key_hash)
