"""Grants of baskets to users and teams (django-guardian object permissions)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from tenancy.models import Team
from workbaskets.models import WorkBasket

TRIAGE_PERMISSION = "workbaskets.triage_workbasket"


def team_group(team: Team) -> Group:
    """Return the auth group that stands for a team in django-guardian's group permissions."""
    group, _created = Group.objects.get_or_create(name=team_group_name(team.pk))
    return group


TEAM_GROUP_PREFIX = "debtsignal-team-"


def team_group_name(team_id: int) -> str:
    return f"{TEAM_GROUP_PREFIX}{team_id}"


def grant_basket(*, basket: WorkBasket, user: Any = None, team: Team | None = None) -> None:
    """Let a user or a team (office team or wijkteam) triage a basket."""
    _check_same_municipality(basket, team)
    assign_perm(TRIAGE_PERMISSION, user if user is not None else team_group(team), basket)


def revoke_basket(*, basket: WorkBasket, user: Any = None, team: Team | None = None) -> None:
    """Take a basket grant away from a user or a team."""
    remove_perm(TRIAGE_PERMISSION, user if user is not None else team_group(team), basket)


def _check_same_municipality(basket: WorkBasket, team: Team | None) -> None:
    if team is not None and team.municipality_id != basket.municipality_id:
        raise ValidationError(_("The team belongs to another municipality."))
