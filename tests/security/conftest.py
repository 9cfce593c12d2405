"""A Redis server of our own for fault tests: stopped and started at will, never the shared one."""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.conftest import redis_is_up, skip_or_fail

# Configurable so that test runs side by side on one machine each stop only their own server.
PRIVATE_REDIS_PORT = int(os.environ.get("PRIVATE_REDIS_PORT") or 8171)
WAIT_SECONDS = 10


@dataclass
class PrivateRedis:
    port: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        subprocess.run(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "yes"],
            check=True,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        self._wait(up=True)

    def stop(self) -> None:
        # SHUTDOWN NOSAVE ends only this server, by its own port; nothing else is touched.
        subprocess.run(
            ["redis-cli", "-p", str(self.port), "shutdown", "nosave"],
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._wait(up=False)

    def _wait(self, *, up: bool) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        while redis_is_up(self.url) != up:
            if time.monotonic() > deadline:
                pytest.fail(f"private Redis on {self.port} did not come {'up' if up else 'down'}")
            time.sleep(0.05)


def _point_celery_at(url: str) -> None:
    from config.celery import app

    # Celery prefers the environment over its configuration for the broker.
    os.environ["CELERY_BROKER_URL"] = url
    app.conf.broker_url = url
    app.conf.result_backend = url
    app._pool = None  # the next publish takes a pool for the new URL (kombu keeps one per URL)
    with contextlib.suppress(KeyError):
        app.__dict__["amqp"]._producer_pool = None
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)


@pytest.fixture
def private_redis(settings) -> Iterator[PrivateRedis]:
    """Our own redis-server (port 8171 by default), with the Celery app pointed at it for this test."""
    if shutil.which("redis-server") is None or shutil.which("redis-cli") is None:
        skip_or_fail("redis-server is not installed")
    server = PrivateRedis(PRIVATE_REDIS_PORT)
    if redis_is_up(server.url):
        server.stop()  # left over from an interrupted run of this test
    server.start()
    previous = os.environ.get("CELERY_BROKER_URL") or settings.CELERY_BROKER_URL
    settings.CELERY_BROKER_URL = server.url
    settings.CELERY_RESULT_BACKEND = server.url
    _point_celery_at(server.url)
    try:
        yield server
    finally:
        server.stop()
        _point_celery_at(previous)


@pytest.fixture
def private_worker(private_redis, django_db_blocker):
    """start_worker() -> a context manager running a real worker on the private Redis."""
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    def start():
        return start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30)

    with django_db_blocker.unblock():
        yield start


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()  # the arrears assessment marker of an earlier test would skip queueing (and its warning)


def database_url() -> str:
    from django.db import connection

    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker_process(private_redis, settings, tmp_path):
    """start(**env) -> a context manager running a real `celery worker` process on the private Redis.

    The process shares the test database (PostgreSQL only) and, through MEDIA_ROOT on disk, the
    delivered files. It is stopped with SIGTERM, or killed with its process group if it hangs.
    """
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("a worker process shares the test database: PostgreSQL only (SQLite's is in memory)")
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }

    @contextlib.contextmanager
    def start(**env: str) -> Iterator[subprocess.Popen]:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork", "--concurrency=1", "--without-gossip",
             "--without-mingle", "--without-heartbeat", "--loglevel=WARNING", "--hostname=faults@%h"],
            cwd=settings.BASE_DIR,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "config.settings.base",  # files on disk, not in memory
                "DATABASE_URL": database_url(),
                "CELERY_BROKER_URL": private_redis.url,
                "CELERY_RESULT_BACKEND": private_redis.url,
                "DEBTSIGNAL_VAR_DIR": str(tmp_path),
                **env,
            },
            start_new_session=True,
        )  # fmt: skip
        try:
            yield worker
        finally:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()

    return start
