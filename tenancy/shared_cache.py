"""The cache on the API's hot path (rate limits, API tokens, covenants), failing open.

With `CACHE_URL` it is Redis, shared by every web process; otherwise local memory per process. A Redis
outage must not fail an intake: each helper then answers as if nothing were cached (callers read the
database) or the count were unknown (the request goes through), and logs the outage.
"""

import logging
import pickle
import threading
import time
from collections.abc import Callable
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)
_MISSING = object()


def _failed(operation: str, error: Exception) -> None:
    logger.warning("cache %s failed, going on without it: %s", operation, error)


def _cache() -> Any:
    return caches["default"]


# Values read often (tokens, covenants) are also kept in the process for this long, in front of Redis:
# a Redis call costs as much Python as the rest of a single-report request. A change made in another
# process reaches this one within these seconds; one made in this process at once.
LOCAL_SECONDS = 2.0
LOCAL_ENTRIES = 1000
_local: dict[str, tuple[float, bytes]] = {}


def get(key: str, *, local: bool = False) -> Any:
    """Return the cached value, or None when it is absent or the cache is unreachable."""
    if local:
        held = _local.get(key)
        if held is not None and held[0] > time.monotonic():
            return pickle.loads(held[1])  # a copy per request, as any cache gives
    try:
        value = _cache().get(key)
    except Exception as error:  # whatever the backend raises (Redis down, timeout): not cached
        _failed("get", error)
        return None
    if local and value is not None and isinstance(_cache(), RedisCache):
        if len(_local) > LOCAL_ENTRIES:
            _local.clear()  # keys carry dates and token hashes: old ones are never asked again
        _local[key] = (time.monotonic() + LOCAL_SECONDS, pickle.dumps(value))
    return value


def set(key: str, value: Any, *, timeout: float) -> None:
    _local.pop(key, None)
    try:
        _cache().set(key, value, timeout=timeout)
    except Exception as error:
        _failed("set", error)


def delete(key: str) -> None:
    _local.pop(key, None)
    try:
        _cache().delete(key)
    except Exception as error:
        _failed("delete", error)


def get_or_set(key: str, compute: Callable[[], Any], *, timeout: float, local: bool = False) -> Any:
    value = get(key, local=local)
    if value is None:
        value = compute()
        set(key, value, timeout=timeout)
    return value


def count(key: str, *, timeout: int) -> int | None:
    """Add one to a counter that lives `timeout` seconds from its first use; None if unreachable."""
    backend = _cache()
    try:
        if isinstance(backend, RedisCache):
            return _redis_count(backend, key, timeout=timeout)
        backend.add(key, 0, timeout=timeout)
        try:
            return backend.incr(key)
        except ValueError:  # expired between add and incr
            backend.add(key, 1, timeout=timeout)
            return 1
    except Exception as error:
        _failed("count", error)
        return None


def _redis_count(backend: RedisCache, key: str, *, timeout: int) -> int:
    # One INCR per call instead of Django's add, exists and incr; the first one of a counter also sets
    # its expiry. Django keeps an integer as a plain Redis integer, so cache.get reads it too.
    redis_key = backend.make_and_validate_key(key)
    pool = backend._cache.get_client(redis_key, write=True).connection_pool
    # The bare connection: redis-py's command wrappers cost more than the round trip itself.
    redis_connection = pool.get_connection()
    try:
        redis_connection.send_command("INCR", redis_key)
        value = int(redis_connection.read_response())
        if value == 1:
            redis_connection.send_command("EXPIRE", redis_key, timeout, "NX")
            redis_connection.read_response()
    except BaseException:
        redis_connection.disconnect()  # a half-read answer must not reach the next caller
        raise
    finally:
        pool.release(redis_connection)
    return value


_markers: dict[str, float] = {}  # key: time.monotonic() it lapses at
_markers_lock = threading.Lock()


def add_in_process(key: str, *, timeout: float) -> bool:
    """Set a marker that may be per process, unless it is set; True if this call set it.

    With Redis configured the marker stays in the process (no round trip); without it the default
    cache is per process anyway and holds it, as `cache.add` would.
    """
    backend = _cache()
    if not isinstance(backend, RedisCache):
        try:
            return backend.add(key, True, timeout=timeout)
        except Exception as error:
            _failed("add", error)
            return True
    with _markers_lock:
        now = time.monotonic()
        if _markers.get(key, 0.0) > now:
            return False
        _markers[key] = now + timeout
        return True


def delete_in_process(key: str) -> None:
    backend = _cache()
    if isinstance(backend, RedisCache):
        _markers.pop(key, None)
        return
    try:
        backend.delete(key)
    except Exception as error:
        _failed("delete", error)
