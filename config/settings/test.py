"""Test settings: the base settings with fast hashing, in-memory files and Redis for real workers."""

import os

# Chosen before Celery reads the settings: tests use a real broker, never eager mode, and always the
# test Redis database. Celery prefers CELERY_BROKER_URL from the environment over its configuration,
# so a broker URL exported for the application (as .ci/run does) must not leak into the tests.
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/9"
os.environ["CELERY_BROKER_URL"] = TEST_REDIS_URL

from config.settings.base import *  # noqa: E402, F403

CELERY_BROKER_URL = TEST_REDIS_URL
CELERY_RESULT_BACKEND = CELERY_BROKER_URL
CELERY_TASK_ALWAYS_EAGER = False
REQUIRE_TWO_FACTOR = False  # tests of the two-factor flow switch it on themselves
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LANGUAGE_CODE = "nl"
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# Static files come from the finders in tests; WhiteNoise would warn about the uncollected STATIC_ROOT.
MIDDLEWARE = [entry for entry in MIDDLEWARE if "whitenoise" not in entry]  # noqa: F405
