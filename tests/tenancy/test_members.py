import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tenancy.models import Membership, Role
from tests.tenancy.factories import MembershipFactory, MunicipalityFactory, TeamFactory


@pytest.fixture
def administrator(member):
    return member(MunicipalityFactory(), Role.ADMINISTRATOR)


@pytest.mark.django_db
def test_administrator_adds_a_new_user_with_role_and_team(administrator, client_for):
    municipality = administrator.memberships.get().municipality
    team = TeamFactory(municipality=municipality, name="Team Inkomen")

    response = client_for(administrator).post(
        reverse("tenancy:member-create"),
        {
            "username": "j.jansen",
            "role": Role.CONSULTANT,
            "teams": [team.pk],
            "password": "lang-genoeg-wachtwoord-7",
        },
    )

    assert response.status_code == 302
    membership = Membership.objects.get(user__username="j.jansen")
    assert (membership.municipality, membership.role, list(membership.teams.all())) == (
        municipality,
        Role.CONSULTANT,
        [team],
    )
    assert get_user_model().objects.get(username="j.jansen").check_password("lang-genoeg-wachtwoord-7")


@pytest.mark.django_db
def test_new_user_without_password_is_refused_with_a_dutch_message(administrator, client_for):
    response = client_for(administrator).post(
        reverse("tenancy:member-create"), {"username": "j.jansen", "role": Role.CONSULTANT}
    )

    assert response.status_code == 200
    assert "Een nieuwe gebruiker heeft een eerste wachtwoord nodig." in response.content.decode()
    assert not get_user_model().objects.filter(username="j.jansen").exists()


@pytest.mark.django_db
def test_administrator_changes_a_role_and_removes_a_member(administrator, client_for):
    municipality = administrator.memberships.get().municipality
    colleague = MembershipFactory(municipality=municipality, role=Role.CONSULTANT)
    client = client_for(administrator)

    client.post(
        reverse("tenancy:member-update", args=[colleague.pk]),
        {"username": colleague.user.username, "role": Role.MANAGER},
    )
    assert Membership.objects.get(pk=colleague.pk).role == Role.MANAGER

    client.post(reverse("tenancy:member-remove", args=[colleague.pk]))
    assert not Membership.objects.filter(pk=colleague.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.CONSULTANT, Role.MANAGER])
def test_only_administrators_manage_users(member, client_for, role):
    user = member(MunicipalityFactory(), role)

    assert client_for(user).get(reverse("tenancy:member-list")).status_code == 403
