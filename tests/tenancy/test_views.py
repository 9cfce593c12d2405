import pytest
from django.urls import reverse

from tenancy.middleware import SESSION_KEY
from tenancy.models import Role
from tests.tenancy.factories import MembershipFactory, MunicipalityFactory, UserFactory


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "text"),
    [
        (Role.CONSULTANT, "Als consulent"),
        (Role.ADMINISTRATOR, "Als functioneel beheerder"),
        (Role.MANAGER, "Als manager"),
    ],
)
def test_start_page_speaks_dutch_and_fits_the_role(member, client_for, role, text):
    municipality = MunicipalityFactory(name="Gemeente Lindendal", primary_colour="#7a1f5c")

    response = client_for(member(municipality, role)).get("/")

    content = response.content.decode()
    assert response.status_code == 200
    assert text in content
    assert "Welkom bij Gemeente Lindendal" in content
    assert "--ds-primary: #7a1f5c" in content


@pytest.mark.django_db
def test_start_page_in_english_after_switching_language(member, client_for):
    client = client_for(member(MunicipalityFactory(name="Gemeente Lindendal")))

    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get("/")

    assert "Welcome to Gemeente Lindendal" in response.content.decode()


def test_anonymous_user_is_sent_to_login(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.django_db
def test_user_without_membership_is_refused(client_for):
    assert client_for(UserFactory()).get("/").status_code == 403


@pytest.mark.django_db
def test_switcher_changes_the_current_municipality(client_for):
    first = MembershipFactory(municipality=MunicipalityFactory(name="Gemeente Aadorp"))
    second = MembershipFactory(user=first.user, municipality=MunicipalityFactory(name="Gemeente Beekveld"))
    client = client_for(first.user)
    assert "Welkom bij Gemeente Aadorp" in client.get("/").content.decode()

    response = client.post(
        reverse("tenancy:municipality-switch"), {"municipality": second.municipality_id, "next": "/"}
    )

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == second.municipality_id
    assert "Welkom bij Gemeente Beekveld" in client.get("/").content.decode()


@pytest.mark.django_db
def test_switcher_refuses_a_municipality_the_user_does_not_belong_to(client_for):
    membership = MembershipFactory()
    stranger = MunicipalityFactory()
    client = client_for(membership.user)

    response = client.post(reverse("tenancy:municipality-switch"), {"municipality": stranger.pk})

    assert response.status_code == 403
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_audit_trail_is_for_administrators_only(member, client_for):
    municipality = MunicipalityFactory()

    assert (
        client_for(member(municipality, Role.CONSULTANT)).get(reverse("tenancy:audit-trail")).status_code
        == 403
    )
    assert (
        client_for(member(municipality, Role.ADMINISTRATOR)).get(reverse("tenancy:audit-trail")).status_code
        == 200
    )


@pytest.mark.django_db
def test_a_suppliers_administrator_starts_on_the_supplier_page(client_for):
    from tenancy.models import SupplierMembership
    from tests.tenancy.factories import SupplierFactory

    user = UserFactory()
    SupplierMembership.objects.create(user=user, supplier=SupplierFactory())

    response = client_for(user).get("/")

    assert (response.status_code, response.url) == (302, reverse("intake:arrears-supplier-list"))
