import pytest

from tenancy.models import Role
from tests.tenancy.factories import MunicipalityFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_member_logs_in_and_sees_the_dutch_start_page_in_the_municipality_colour(
    page, live_server, member, log_in
):
    municipality = MunicipalityFactory(name="Gemeente Lindendal", primary_colour="#7a1f5c")
    user = member(municipality, Role.MANAGER)

    log_in(page, user)

    assert page.locator("h1").inner_text() == "Welkom bij Gemeente Lindendal"
    assert page.locator("html").get_attribute("lang") == "nl"
    header_colour = page.eval_on_selector(
        ".ds-header", "element => getComputedStyle(element).backgroundColor"
    )
    assert header_colour == "rgb(122, 31, 92)"
