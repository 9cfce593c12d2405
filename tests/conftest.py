"""Shared fixtures: members of municipalities, a real Celery worker, and a real browser."""

import os
import shutil
from collections.abc import Callable, Iterator

import pytest
from django.conf import settings
from django.test import Client

from tests.tenancy.factories import MembershipFactory, MunicipalityFactory

IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def skip_or_fail(reason: str) -> None:
    """Skip on a laptop without the service; in CI a missing service is a failure, never a pass."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true, so this test may not be skipped)")
    pytest.skip(reason)


def redis_is_up(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except redis.exceptions.RedisError:
        return False


@pytest.fixture
def municipality():
    return MunicipalityFactory()


@pytest.fixture
def other_municipality():
    return MunicipalityFactory()


@pytest.fixture
def member() -> Callable:
    """member(municipality, role) -> a user with that role in that municipality."""

    def make(municipality, role: str = "consultant"):
        return MembershipFactory(municipality=municipality, role=role).user

    return make


@pytest.fixture
def client_for() -> Callable[..., Client]:
    """client_for(user) -> a test client logged in as that user."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def celery_worker(django_db_blocker) -> Iterator[object]:
    """A real Celery worker (solo pool, in a thread) on the test Redis database and the test DB.

    Use with @pytest.mark.django_db(transaction=True): the worker's thread has its own connection.
    """
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    if not redis_is_up(settings.CELERY_BROKER_URL):
        skip_or_fail(f"Redis is not reachable at {settings.CELERY_BROKER_URL}")
    with django_db_blocker.unblock():
        app.control.purge()  # drop messages left by an earlier, interrupted run
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as worker:
            yield worker


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        skip_or_fail(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser) -> Iterator[object]:
    context = browser.new_context(locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def log_in(live_server) -> Callable:
    """log_in(page, user) -> logs the user in through the real login form."""

    def do(page, user, password: str = "secret-password-123") -> None:
        user.set_password(password)
        user.save(update_fields=["password"])
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", user.get_username())
        page.fill("#id_password", password)
        page.click("form.ds-login button[type=submit]")
        page.wait_for_url(f"{live_server.url}/", wait_until="domcontentloaded")

    return do
