"""The consultant's triage flow in a real browser, and an axe-core scan of the main pages."""

from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from tenancy.models import Role
from tests.conftest import skip_or_fail
from tests.tenancy.factories import MembershipFactory, MunicipalityFactory
from tests.workbaskets.factories import WorkItemFactory
from workbaskets import services
from workbaskets.models import WorkBasket, WorkItem

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture
def setting():
    municipality = MunicipalityFactory()
    services.create_default_baskets(municipality=municipality)
    basket = WorkBasket.objects.get(municipality=municipality, name="Inkomen gevonden")
    consultant = MembershipFactory(municipality=municipality, role=Role.CONSULTANT).user
    services.grant_basket(basket=basket, user=consultant)
    today = timezone.localdate()
    items = [
        WorkItemFactory(basket=basket, person_ref="D-NOORD-1", district="Noord", due_date=today),
        WorkItemFactory(basket=basket, person_ref="D-NOORD-2", district="Noord", due_date=today),
        WorkItemFactory(basket=basket, person_ref="D-ZUID-1", district="Zuid", due_date=today),
    ]
    return municipality, basket, consultant, items


@pytest.fixture
def axe_page(browser):
    # axe-core is injected as an inline script, which our Content-Security-Policy rightly blocks.
    context = browser.new_context(locale="nl-NL", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def axe_violations(page) -> list[str]:
    if not AXE.exists():
        skip_or_fail(f"axe-core is not installed at {AXE} (npm install)")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG_21_AA,
    )
    return [
        f"{v['id']} ({v['impact']}): {[node['target'] for node in v['nodes']]}"
        for v in result["violations"]
        if v["impact"] in BLOCKING
    ]


def test_consultant_filters_bulk_assigns_contacts_and_closes(page, live_server, log_in, setting):
    _municipality, basket, consultant, items = setting
    log_in(page, consultant)

    page.goto(f"{live_server.url}/baskets/")
    page.click(f"a[href='/baskets/{basket.pk}/']")
    page.wait_for_url(f"{live_server.url}/baskets/{basket.pk}/")
    page.wait_for_load_state("load")
    page.keyboard.press("/")  # the keyboard shortcut opens the filters and focuses the first one
    assert page.evaluate("document.activeElement.id") == "id_district"
    page.keyboard.type("Noord")
    page.click("#filter-form button[type=submit]")
    assert page.locator("#item-table tbody tr[data-item]").count() == 2

    page.check("#select-all")
    page.select_option("#bulk_action", "assign")
    page.select_option("#bulk_assignee", str(consultant.pk))
    page.click("#bulk-form fieldset button[type=submit]")
    page.wait_for_selector(".utrecht-alert")
    assert list(
        WorkItem.objects.filter(assignee=consultant)
        .order_by("person_ref")
        .values_list("person_ref", flat=True)
    ) == [
        "D-NOORD-1",
        "D-NOORD-2",
    ]

    page.click(f"a[href='/baskets/items/{items[0].pk}/']")
    page.select_option("#contact-form #id_kind", "Telefoon")
    page.check("#contact-form #id_reached")
    page.select_option("#contact-form #id_part_of_day", "Middag")
    page.click("#contact-form button[type=submit]")
    page.wait_for_selector("#contact-attempts li")

    page.select_option("#close-form #id_outcome", "arrangement_made")
    page.click("#close-form button[type=submit]")
    page.wait_for_selector(".utrecht-alert")

    item = WorkItem.objects.get(pk=items[0].pk)
    assert (item.status, item.outcome, item.contact_attempts.get().kind) == (
        "closed",
        "arrangement_made",
        "Telefoon",
    )
    assert page.locator("#timeline li").count() == 3  # assigned, contact attempt, closed


def test_main_pages_have_no_serious_accessibility_violations(axe_page, live_server, log_in, setting):
    page = axe_page
    municipality, basket, consultant, items = setting
    administrator = MembershipFactory(municipality=municipality, role=Role.ADMINISTRATOR).user
    found = {}
    log_in(page, consultant)
    for path in ["/baskets/", f"/baskets/{basket.pk}/", f"/baskets/items/{items[0].pk}/"]:
        page.goto(f"{live_server.url}{path}")
        found[path] = axe_violations(page)
    page.context.clear_cookies()
    log_in(page, administrator)
    for path in ["/baskets/manage/", f"/baskets/manage/{basket.pk}/", f"/baskets/manage/{basket.pk}/access/"]:
        page.goto(f"{live_server.url}{path}")
        found[path] = axe_violations(page)

    assert found == {path: [] for path in found}
