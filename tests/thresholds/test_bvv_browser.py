import pytest

from tenancy.models import Role
from tests.tenancy.factories import MunicipalityFactory
from tests.thresholds.bvv_parameters import load_published_parameter_sets
from thresholds.models.bvv import RepaymentPolicy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def published_parameter_sets(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        load_published_parameter_sets()


def test_consultant_calculates_the_bvv_from_a_monthly_income(page, log_in, member):
    log_in(page, member(MunicipalityFactory(), Role.CONSULTANT))

    page.get_by_role("link", name="Beslagvrije voet").click()
    page.select_option("#id_household", "single")
    page.fill("#id_income", "2000")
    page.check("input[name=income_period][value=monthly]")
    page.fill("#id_on", "2026-03-01")
    page.get_by_role("button", name="Bereken", exact=True).click()

    assert page.inner_text("[data-testid=bvv]") == "1344,36"
    assert page.inner_text("[data-testid=capacity]") == "279,55"


def test_administrator_changes_the_repayment_policy(page, log_in, member):
    log_in(page, member(MunicipalityFactory(), Role.ADMINISTRATOR))

    page.get_by_role("link", name="Aflossingsbeleid").click()
    page.fill("#id_valid_from", "2026-07-01")
    page.fill("#id_norm_percentage", "4,5")
    page.fill("#id_excess_percentage", "30")
    page.fill("#id_reason", "Raadsbesluit juni")
    page.get_by_role("button", name="Opslaan").click()

    assert page.get_by_text("Het aflossingsbeleid is opgeslagen.").is_visible()
    assert page.get_by_role("cell", name="Raadsbesluit juni").is_visible()
    policy = RepaymentPolicy.objects.get()
    assert (str(policy.norm_percentage), str(policy.excess_percentage)) == ("4.50", "30.00")
