"""Read configuration from the environment, failing early with the variable's name."""

import os
from pathlib import Path
from urllib.parse import urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured


def text(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def boolean(name: str, default: bool = False) -> bool:
    value = text(name)
    if not value:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def integer(name: str, default: int) -> int:
    value = text(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def database(name: str, *, default_sqlite: Path) -> dict:
    """Parse a postgres:// or sqlite:/// URL; without one, use the embedded SQLite file."""
    url = text(name)
    if not url:
        default_sqlite.parent.mkdir(parents=True, exist_ok=True)
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": default_sqlite, "OPTIONS": {"timeout": 30}}
    scheme = urlparse(url).scheme
    if scheme not in {"postgres", "postgresql", "sqlite"}:
        raise ImproperlyConfigured(
            f"{name} must start with postgres:// or sqlite:///, not {scheme or 'nothing'}:// ({url!r})."
        )
    try:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} is not a valid database URL: {error}") from None
    if scheme == "sqlite":
        config["OPTIONS"] = {"timeout": 30}
        config.pop("CONN_MAX_AGE", None)
    elif not config.get("NAME"):
        raise ImproperlyConfigured(f"{name} names no database (postgres://user@host:port/NAME).")
    return config


def broker(name: str) -> str:
    """A redis:// URL, or empty for in-process task execution."""
    url = text(name)
    if url and urlparse(url).scheme not in {"redis", "rediss"}:
        raise ImproperlyConfigured(f"{name} must be a redis:// URL, not {url!r}.")
    return url


def cache(name: str) -> dict:
    """Redis from a redis:// URL (shared by every process), else local memory per process."""
    url = text(name)
    if not url:
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    if urlparse(url).scheme not in {"redis", "rediss"}:
        raise ImproperlyConfigured(f"{name} must be a redis:// URL, not {url!r}.")
    return {
        "default": {
            "BACKEND": "config.cache.ReusingRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "debtsignal",
            # A stalled Redis must not hold requests: the API's cache use fails open (tenancy.shared_cache).
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
