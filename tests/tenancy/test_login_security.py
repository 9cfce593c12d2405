import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tenancy.models import Role
from tests.tenancy.factories import MunicipalityFactory

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "secret-password-123"


def current_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


@pytest.fixture
def consultant(member):
    return member(MunicipalityFactory(name="Gemeente Lindendal"), Role.CONSULTANT)


def log_in(client, user):
    return client.post(reverse("login"), {"username": user.username, "password": PASSWORD})


@pytest.mark.django_db
def test_first_login_enrols_an_authenticator_before_anything_else(client, consultant, settings):
    settings.REQUIRE_TWO_FACTOR = True
    log_in(client, consultant)

    assert client.get("/").url == reverse("tenancy:two-factor")
    page = client.get(reverse("tenancy:two-factor")).content.decode()
    assert "Scan deze code" in page
    assert "<svg" in page
    device = TOTPDevice.objects.get(user=consultant)
    assert device.confirmed is False

    wrong = client.post(
        reverse("tenancy:two-factor"), {"token": "000000" if current_code(device) != "000000" else "111111"}
    )
    assert "Die code klopt niet" in wrong.content.decode()
    assert client.get("/").status_code == 302

    with time_machine.travel(dt.timedelta(seconds=5)):  # django-otp throttles a retry right after a failure
        client.post(reverse("tenancy:two-factor"), {"token": current_code(device)})
        assert client.get("/").status_code == 200
    assert TOTPDevice.objects.get(user=consultant).confirmed is True


@pytest.mark.django_db
def test_later_logins_ask_only_for_the_code(client, consultant, settings):
    settings.REQUIRE_TWO_FACTOR = True
    device = TOTPDevice.objects.create(user=consultant, name="app", confirmed=True)
    log_in(client, consultant)

    page = client.get(reverse("tenancy:two-factor")).content.decode()

    assert "Scan deze code" not in page
    assert "Typ de 6 cijfers" in page
    client.post(reverse("tenancy:two-factor"), {"token": current_code(device)})
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_repeated_failed_logins_lock_the_account(client, consultant):
    for _ in range(5):
        client.post(reverse("login"), {"username": consultant.username, "password": "wrong-password"})

    response = client.post(reverse("login"), {"username": consultant.username, "password": PASSWORD})

    assert response.status_code == 429
    assert "Account tijdelijk geblokkeerd" in response.content.decode()
    assert client.get("/").status_code == 302  # still not logged in


@pytest.mark.django_db
def test_session_expires_after_thirty_minutes_without_activity(client, consultant):
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as traveller:
        log_in(client, consultant)
        traveller.shift(dt.timedelta(minutes=29))
        assert client.get("/").status_code == 200  # activity renews the session
        traveller.shift(dt.timedelta(minutes=29))
        assert client.get("/").status_code == 200
        traveller.shift(dt.timedelta(minutes=31))
        assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_without_inline_scripts(client, consultant):
    log_in(client, consultant)

    policy = client.get("/")["Content-Security-Policy"]

    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"


def test_deploy_check_is_clean_with_production_settings():
    unwanted = {
        "DATABASE_URL",
        "CELERY_BROKER_URL",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    }  # the last: set by browser tests
    env = {key: value for key, value in os.environ.items() if key not in unwanted}
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "x7Kq9vLm2Rt5Wz8Yb3Nc6Fd1Hg4Jp0Ts7Ua2Ve5Xi8Ko1Mq4Rw7Zy0",
        "ALLOWED_HOSTS": "debtsignal.example.nl",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {key: value for key, value in os.environ.items() if key not in {"SECRET_KEY"}}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
