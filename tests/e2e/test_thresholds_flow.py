"""The administrator's threshold screen in a real browser: what-if on a real worker, save, history."""

import pytest
from django.db import connection

from tenancy.models import Role
from tests.signals import scenario
from tests.tenancy.factories import MembershipFactory
from thresholds.models import ThresholdChange, ThresholdProfile

pytestmark = [pytest.mark.browser, pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def evaluated(municipality):
    scenario.build(municipality)
    scenario.run_inline(municipality)
    administrator = MembershipFactory(municipality=municipality, role=Role.ADMINISTRATOR).user
    return ThresholdProfile.objects.get(municipality=municipality, category="payer"), administrator


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the worker thread and the run write one SQLite database at once (table locks)",
)
def test_administrator_sees_the_what_if_then_saves_and_finds_the_change_in_history(
    celery_worker, page, live_server, log_in, evaluated
):
    profile, administrator = evaluated
    log_in(page, administrator)
    page.goto(f"{live_server.url}/thresholds/{profile.pk}/")

    page.fill("#id_asset_threshold", "9500")
    page.click("button[value=preview]")
    page.wait_for_selector("#what-if-table")  # the worker counted; the screen polled the result

    assets = page.locator("#what-if-table tr[data-type=ASSETS]")
    vehicle = page.locator("#what-if-table tr[data-type=VEHICLE]")
    assert (
        assets.locator("[data-column=actual]").inner_text(),
        assets.locator("[data-column=new]").inner_text(),
    ) == (
        "1",
        "0",
    )
    assert (
        vehicle.locator("[data-column=actual]").inner_text(),
        vehicle.locator("[data-column=new]").inner_text(),
    ) == (
        "1",
        "1",
    )
    assert "Er is nog niets opgeslagen." in page.locator("#what-if").inner_text()
    assert not ThresholdChange.objects.exists()

    page.click("button[value=save]")
    page.wait_for_selector("text=De drempelwaarden zijn opgeslagen.")
    page.goto(f"{live_server.url}/thresholds/{profile.pk}/history/")

    row = page.locator("table tbody tr").first
    assert [cell.inner_text() for cell in row.locator("td").all()][1:] == [
        administrator.get_username(),
        "asset_threshold",
        "7500.00",
        "9500.00",
    ]
    profile.refresh_from_db()
    assert str(profile.asset_threshold) == "9500.00"


def test_a_negative_threshold_shows_the_dutch_message_and_saves_nothing(page, live_server, log_in, evaluated):
    profile, administrator = evaluated
    log_in(page, administrator)
    page.goto(f"{live_server.url}/thresholds/{profile.pk}/")

    page.fill("#id_income_threshold", "-1")
    page.click("button[value=save]")

    message = page.locator(".utrecht-form-field--invalid [role=alert]")
    assert message.inner_text() == "Vul een bedrag van 0 of meer in."
    assert page.locator(".utrecht-form-field--invalid #id_income_threshold").count() == 1
    assert not ThresholdChange.objects.exists()
