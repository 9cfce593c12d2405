"""Cached tokens and shared rate limits: a change to a token applies at once; Redis shares counts."""

import datetime as dt
import uuid

import pytest
import redis
import time_machine
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from intake.models import ArrearsReport
from tenancy.services import revoke_api_token
from tests.api.test_arrears_api import post, report
from tests.conftest import redis_is_up, skip_or_fail

FEEDBACK = "/api/v1/feedback"


def redis_cache(url: str) -> dict:
    prefix = f"test-{uuid.uuid4().hex[:8]}"  # counts of other runs never leak in
    return {"default": {"BACKEND": "config.cache.ReusingRedisCache", "LOCATION": url, "KEY_PREFIX": prefix}}


@pytest.mark.django_db
@pytest.mark.parametrize("shared", [False, True], ids=["local-memory", "redis"])
def test_revoking_a_token_in_use_stops_it_at_once(supplier, token_client, shared):
    caches = redis_cache(settings.TEST_REDIS_URL) if shared else settings.CACHES
    if shared and not redis_is_up(settings.TEST_REDIS_URL):
        skip_or_fail(f"Redis is not reachable at {settings.TEST_REDIS_URL}")
    with override_settings(CACHES=caches):
        token, client = token_client(supplier)
        assert client.get(FEEDBACK).status_code == 200  # the token is cached now (in Redis and here)

        revoke_api_token(token=token)

        assert client.get(FEEDBACK).status_code == 401


@pytest.mark.django_db
def test_a_token_that_expires_while_cached_is_refused(supplier, token_client):
    token, client = token_client(supplier)
    token.expires_at = timezone.now() + dt.timedelta(minutes=10)
    token.save(update_fields=["expires_at"])
    assert client.get(FEEDBACK).status_code == 200

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=11)):
        assert client.get(FEEDBACK).status_code == 401


@pytest.mark.django_db
def test_a_changed_allow_list_applies_at_once(supplier, token_client):
    token, client = token_client(supplier)
    assert client.get(FEEDBACK).status_code == 200

    token.allowed_ips = ["10.0.0.7"]
    token.save(update_fields=["allowed_ips"])

    assert client.get(FEEDBACK).status_code == 401


@pytest.mark.django_db
def test_rate_limit_counts_in_redis_for_every_process(supplier, token_client):
    url = settings.TEST_REDIS_URL
    if not redis_is_up(url):
        skip_or_fail(f"Redis is not reachable at {url}")
    with override_settings(CACHES=redis_cache(url)):
        token, client = token_client(supplier, rate_limit_per_minute=2)
        statuses = [client.get(FEEDBACK).status_code for _ in range(3)]
        prefix = settings.CACHES["default"]["KEY_PREFIX"]

    assert statuses == [200, 200, 429]
    # The count lives in Redis, where every gunicorn worker reads the same key.
    [key] = redis.Redis.from_url(url).keys(f"{prefix}:*throttle:api-token:{token.pk}:*")
    assert int(redis.Redis.from_url(url).get(key)) == 3


@pytest.mark.django_db
def test_reports_are_taken_in_while_the_cache_is_down(supplier, token_client):
    # Nothing listens on this port (the API's own test range): every cache call fails.
    with override_settings(CACHES=redis_cache("redis://127.0.0.1:8299/0")):
        _token, client = token_client(supplier, rate_limit_per_minute=1)
        responses = [post(client, report(reference=f"R-{number}")) for number in range(3)]

    assert [response.status_code for response in responses] == [201, 201, 201]
    assert ArrearsReport.objects.count() == 3
    assert post(client, [report()]).status_code == 200  # and on local memory again afterwards
