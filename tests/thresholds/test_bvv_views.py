from datetime import date
from decimal import Decimal as D

import pytest
from django.urls import reverse

from tenancy.models import Role
from tests.tenancy.factories import MunicipalityFactory, UserFactory
from tests.thresholds.bvv_parameters import load_published_parameter_sets
from thresholds import bvv_services
from thresholds.models.bvv import RepaymentPolicy

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def published_parameter_sets(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        load_published_parameter_sets()


CALCULATOR = reverse("thresholds:bvv-calculator")
POLICY = reverse("thresholds:bvv-repayment-policy")


def calculate(client, **params):
    query = {"household": "single", "income": "40000", "income_period": "yearly", "on": "2026-01-01"} | params
    return client.get(CALCULATOR, query)


@pytest.mark.parametrize("role", [Role.CONSULTANT, Role.ADMINISTRATOR, Role.MANAGER])
def test_every_member_can_use_the_calculator(member, client_for, role):
    response = calculate(client_for(member(MunicipalityFactory(), role)))

    assert response.status_code == 200
    assert response.context["calculation"].bvv == D("1821.81")


def test_calculator_shows_every_term_and_the_article(member, client_for):
    response = calculate(
        client_for(member(MunicipalityFactory())), household="couple_children", income="82387.09"
    )

    content = response.content.decode()
    assert '<span data-testid="bvv">3155,31</span>' in content
    for term in ("1902,02", "247,17", "732,22", "273,90", "Rv art. 475da"):
        assert term in content


def test_calculator_takes_a_monthly_income(member, client_for):
    response = calculate(client_for(member(MunicipalityFactory())), income="1000", income_period="monthly")

    calculation = response.context["calculation"]
    assert (calculation.yearly_income, calculation.bvv, calculation.is_income_ceiling_applied) == (
        D("12000"),
        D("950.00"),
        True,
    )
    assert "Rv art. 475dc lid 1" in response.content.decode()


def test_calculator_uses_the_set_of_the_date(member, client_for):
    response = calculate(client_for(member(MunicipalityFactory())), income="250000", on="2026-07-01")

    assert response.context["calculation"].bvv == D("2208.48")


def test_calculator_refuses_a_date_without_parameters(member, client_for):
    response = calculate(client_for(member(MunicipalityFactory())), on="2025-12-31")

    assert response.context["calculation"] is None
    assert response.context["refusal"] == "Geen BVV-parameters voor deze datum."


def test_calculator_for_a_debtor_on_bijstand(member, client_for):
    response = calculate(
        client_for(member(MunicipalityFactory())), income="", is_on_bijstand="on", other_income="200"
    )

    assert (response.context["calculation"].bvv, response.context["capacity"]) == (D("1131.43"), D("70.07"))


def test_calculator_capacity_follows_the_municipality_policy(member, client_for):
    municipality = MunicipalityFactory()
    bvv_services.change_repayment_policy(
        municipality=municipality,
        user=None,
        valid_from=date(2026, 1, 1),
        norm_percentage=D(0),
        excess_percentage=D(10),
    )

    response = calculate(client_for(member(municipality)), income="2000", income_period="monthly")

    assert response.context["capacity"] == D("59.85")  # 10% of 2000 - 1401.50


def test_calculator_asks_for_an_income(member, client_for):
    response = calculate(client_for(member(MunicipalityFactory())), income="")

    assert response.context["calculation"] is None
    assert response.context["form"].errors == {"income": ["Vul het inkomen in."]}


def test_calculator_needs_a_login(client):
    response = client.get(CALCULATOR)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_calculator_needs_a_membership(client_for):
    assert client_for(UserFactory()).get(CALCULATOR).status_code == 403


def test_administrator_changes_the_policy_and_sees_its_history(member, client_for):
    municipality = MunicipalityFactory()
    administrator = member(municipality, Role.ADMINISTRATOR)
    client = client_for(administrator)

    response = client.post(
        POLICY,
        {
            "valid_from": "2026-01-01",
            "norm_percentage": "4",
            "excess_percentage": "30",
            "reason": "Raadsbesluit",
        },
    )

    assert response.status_code == 302
    policy = RepaymentPolicy.objects.get()
    assert (
        policy.municipality,
        policy.created_by,
        policy.norm_percentage,
        policy.excess_percentage,
        policy.reason,
    ) == (
        municipality,
        administrator,
        D("4.00"),
        D("30.00"),
        "Raadsbesluit",
    )
    history = client.get(POLICY)
    assert list(history.context["history"]) == [policy]
    assert "Raadsbesluit" in history.content.decode()


def test_policy_form_refuses_a_percentage_above_100(member, client_for):
    client = client_for(member(MunicipalityFactory(), Role.ADMINISTRATOR))

    response = client.post(
        POLICY, {"valid_from": "2026-01-01", "norm_percentage": "5", "excess_percentage": "135"}
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["excess_percentage"]
    assert not RepaymentPolicy.objects.exists()


@pytest.mark.parametrize("role", [Role.CONSULTANT, Role.MANAGER])
def test_only_administrators_change_the_policy(member, client_for, role):
    client = client_for(member(MunicipalityFactory(), role))

    assert client.get(POLICY).status_code == 403
    assert (
        client.post(
            POLICY, {"valid_from": "2026-01-01", "norm_percentage": "0", "excess_percentage": "0"}
        ).status_code
        == 403
    )
    assert not RepaymentPolicy.objects.exists()


def test_policy_page_shows_only_the_own_municipality(member, client_for):
    other = bvv_services.change_repayment_policy(
        municipality=MunicipalityFactory(),
        user=None,
        valid_from=date(2026, 1, 1),
        norm_percentage=D(1),
        excess_percentage=D(2),
        reason="Kanarie",
    )

    response = client_for(member(MunicipalityFactory(), Role.ADMINISTRATOR)).get(POLICY)

    assert list(response.context["history"]) == []
    assert response.context["current"] is None
    assert other.reason not in response.content.decode()


def test_parameter_sets_are_only_for_superusers_in_the_admin(client_for):
    staff = UserFactory(is_staff=True)
    superuser = UserFactory(is_staff=True, is_superuser=True)
    changelist = reverse("admin:thresholds_bvvparameterset_changelist")

    assert client_for(staff).get(changelist).status_code == 403
    assert client_for(superuser).get(changelist).status_code == 200


def test_debtor_figures_partial_shows_bvv_capacity_and_instalments():
    from django.template.loader import render_to_string

    from tests.thresholds.bvv_parameters import JANUARY_2026
    from thresholds import bvv

    figures = bvv.debtor_figures(
        bvv.DebtorIncome(
            debtor_id=3, household_type="alleenstaand", monthly_incomes=[D("2000")] * 4, instalment=D(50)
        ),
        parameters=JANUARY_2026,
    )

    html = render_to_string("thresholds/bvv/_debtor_figures.html", {"figures": figures})

    for text in (
        "24000,00",
        "1344,36",
        "279,55",
        "50,00",
        "229,55",
        "Voorgestelde aflossing",
        "Rv art. 475da",
    ):
        assert text in html
