import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import override_settings

from tenancy import services
from tenancy.models import Membership, Municipality, Role
from tests.tenancy.factories import MunicipalityFactory, TeamFactory, UserFactory

CALLS: list[str] = []


def remember_defaults(*, municipality):
    CALLS.append(municipality.code)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("0363", "0363"), ("GM0363", "0363"), ("gm0363", "0363"), (" 363 ", "0363"), ("GM14", "0014")],
)
def test_normalise_municipality_code(raw, expected):
    assert services.normalise_municipality_code(raw) == expected


@pytest.mark.parametrize("raw", ["", "GM", "03630", "AB12", "12a4"])
def test_normalise_municipality_code_rejects_non_codes(raw):
    with pytest.raises(ValidationError, match="geen CBS-gemeentecode"):
        services.normalise_municipality_code(raw)


@pytest.mark.django_db
@override_settings(MUNICIPALITY_DEFAULTS=["tests.tenancy.test_services.remember_defaults"])
def test_create_municipality_runs_every_default_provider():
    CALLS.clear()

    municipality = services.create_municipality(code="GM0599", name=" Gemeente Rotterdam ")

    assert (municipality.code, municipality.name) == ("0599", "Gemeente Rotterdam")
    assert CALLS == ["0599"]


@pytest.mark.django_db
def test_create_municipality_refuses_a_duplicate_code():
    MunicipalityFactory(code="0599")

    with pytest.raises(ValidationError, match="Gemeente 0599 bestaat al"):
        services.create_municipality(code="GM0599", name="Tweede")

    assert Municipality.objects.filter(code="0599").count() == 1


@pytest.mark.django_db
def test_create_municipality_command(capsys):
    call_command("create_municipality", "GM0344", "Gemeente Utrecht")

    assert Municipality.objects.get(code="0344").name == "Gemeente Utrecht"
    assert "Created Gemeente Utrecht (0344)." in capsys.readouterr().out


@pytest.mark.django_db
def test_add_member_changes_the_role_and_ignores_teams_of_other_municipalities():
    municipality, other = MunicipalityFactory(), MunicipalityFactory()
    user = UserFactory()
    own_team, foreign_team = TeamFactory(municipality=municipality), TeamFactory(municipality=other)

    services.add_member(municipality=municipality, user=user, role=Role.CONSULTANT)
    membership = services.add_member(
        municipality=municipality, user=user, role=Role.ADMINISTRATOR, teams=[own_team, foreign_team]
    )

    assert Membership.objects.get(user=user).role == Role.ADMINISTRATOR
    assert list(membership.teams.all()) == [own_team]
