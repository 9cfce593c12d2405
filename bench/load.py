"""bench/load: mixed load under gunicorn + PostgreSQL + Redis, on loopback only.

64 concurrent supplier clients POST single arrears reports for 60 s while 20 consultants page
through their work baskets (logged in with a confirmed TOTP device, as the two-factor middleware
demands). Afterwards the database must hold exactly the reports that were accepted.

Prints `api.load.errors` (any non-2xx answer or broken connection), `api.load.p99_ms` (all requests)
and `api.load.rows_lost` (accepted reports missing from the database, plus any stored twice).

Run: `DATABASE_URL=postgres://... CELERY_BROKER_URL=redis://... .venv/bin/python bench/load.py
[--scale 0.1] [--port 8172]`. Every loop is bounded by the clock and a request count.
"""

import argparse
import datetime as dt
import http.client
import json
import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import transaction  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from bench._http import HOST, bearer_headers, line, percentile_ms, reset_bench_supplier, start_gunicorn  # noqa: E402
from intake.arrears.demo import generate_reports  # noqa: E402
from intake.models import ArrearsReport  # noqa: E402
from tenancy.models import Membership, Role  # noqa: E402
from workbaskets.models import WorkBasket, WorkItem  # noqa: E402
from workbaskets.services.access import grant_basket  # noqa: E402

MUNICIPALITY_CODE = "9170"
SUPPLIER = "bench-load"
CONSULTANT_PREFIX = "bench-load-consultant-"
ITEMS = 5_000
PAGES = 10
MAX_REQUESTS_PER_CLIENT = 100_000  # a second bound besides the clock


@transaction.atomic
def prepare(consultants: int) -> tuple[str, list[str], list[int]]:
    """A bench municipality with one supplier token, work items in its baskets and logged-in consultants."""
    WorkItem.objects.filter(municipality__code=MUNICIPALITY_CODE).delete()  # before the cases they point at
    municipality, key = reset_bench_supplier(
        code=MUNICIPALITY_CODE,
        municipality_name="Gemeente Belasting",
        supplier_name=SUPPLIER,
        token_name="load",
    )

    baskets = list(WorkBasket.objects.for_municipality(municipality).order_by("position"))
    today = dt.datetime.now(dt.UTC).date()
    WorkItem.objects.bulk_create(
        WorkItem(
            municipality=municipality,
            basket=baskets[index % len(baskets)],
            kind=WorkItem.Kind.DEBTOR_SIGNAL,
            due_date=today + dt.timedelta(days=index % 40),
            display_name=f"Synthetisch {index}",
            person_ref=f"L{index:06d}",
            district=("Noord", "Zuid", "Centrum")[index % 3],
        )
        for index in range(ITEMS)
    )
    User = get_user_model()
    User.objects.filter(username__startswith=CONSULTANT_PREFIX).delete()
    cookies = []
    backend = "django.contrib.auth.backends.ModelBackend"
    for number in range(consultants):
        user = User.objects.create_user(username=f"{CONSULTANT_PREFIX}{number}", password=None)
        Membership.objects.create(user=user, municipality=municipality, role=Role.CONSULTANT)
        for basket in baskets:
            grant_basket(basket=basket, user=user)
        device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = backend
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.create()
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={session.session_key}")
    return key, cookies, [basket.pk for basket in baskets]


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.errors = 0
        self.first_errors: list[str] = []
        self.accepted: list[str] = []

    def add(self, latency: float, error: str | None = None, accepted: str | None = None) -> None:
        with self.lock:
            self.latencies.append(latency)
            if error is not None:
                self.errors += 1
                if len(self.first_errors) < 5:
                    self.first_errors.append(error)
            if accepted is not None:
                self.accepted.append(accepted)


def run(
    port: int, key: str, cookies: list[str], basket_ids: list[int], *, suppliers_count: int, seconds: float
):
    tally = Tally()
    templates = generate_reports(
        count=2000,
        municipality_code=MUNICIPALITY_CODE,
        seed=7,
        prefix="x",
        today=dt.datetime.now(dt.UTC).date(),
    )
    barrier = threading.Barrier(suppliers_count + len(cookies) + 1)
    stop_at = [0.0]

    def request(conn, method: str, path: str, body: bytes | None, headers: dict) -> tuple[int, bytes]:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()

    def supplier_client(index: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        headers = bearer_headers(key)
        barrier.wait()
        for number in range(MAX_REQUESTS_PER_CLIENT):
            if time.perf_counter() >= stop_at[0]:
                break
            reference = f"L-{index}-{number}"
            body = json.dumps(templates[(index * 31 + number) % len(templates)] | {"reference": reference})
            started = time.perf_counter()
            try:
                status, payload = request(conn, "POST", "/api/v1/arrears-reports", body.encode(), headers)
            except (OSError, http.client.HTTPException) as error:
                tally.add(time.perf_counter() - started, error=f"supplier: {error!r}")
                conn = http.client.HTTPConnection(HOST, port, timeout=60)
                continue
            ok = status in (200, 201)
            tally.add(
                time.perf_counter() - started,
                error=None if ok else f"supplier {status}: {payload[:200]!r}",
                accepted=reference if ok else None,
            )

    def consultant(index: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        headers = {"Cookie": cookies[index]}
        barrier.wait()
        for number in range(MAX_REQUESTS_PER_CLIENT):
            if time.perf_counter() >= stop_at[0]:
                break
            basket = basket_ids[(index + number) % len(basket_ids)]
            path = f"/baskets/{basket}/?page={number % PAGES + 1}"
            started = time.perf_counter()
            try:
                status, payload = request(conn, "GET", path, None, headers)
            except (OSError, http.client.HTTPException) as error:
                tally.add(time.perf_counter() - started, error=f"consultant: {error!r}")
                conn = http.client.HTTPConnection(HOST, port, timeout=60)
                continue
            tally.add(
                time.perf_counter() - started,
                error=None if status == 200 else f"consultant {status} {path}: {payload[:120]!r}",
            )

    threads = [threading.Thread(target=supplier_client, args=(i,)) for i in range(suppliers_count)]
    threads += [threading.Thread(target=consultant, args=(i,)) for i in range(len(cookies))]
    for thread in threads:
        thread.start()
    stop_at[0] = time.perf_counter() + seconds
    barrier.wait()
    for thread in threads:
        thread.join()
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the 60 s run")
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_LOAD_PORT", "8172")))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--suppliers", type=int, default=64)
    parser.add_argument("--consultants", type=int, default=20)
    arguments = parser.parse_args()

    key, cookies, basket_ids = prepare(arguments.consultants)
    seconds = max(3.0, 60 * arguments.scale)
    server = start_gunicorn(
        application="config.wsgi:application",
        port=arguments.port,
        workers=arguments.workers,
        threads=arguments.threads,
        timeout=120,
    )
    try:
        tally = run(
            arguments.port, key, cookies, basket_ids, suppliers_count=arguments.suppliers, seconds=seconds
        )
    finally:
        server.terminate()
        server.wait(timeout=60)

    stored = list(ArrearsReport.objects.filter(supplier__name=SUPPLIER).values_list("reference", flat=True))
    accepted = set(tally.accepted)
    lost = len(accepted - set(stored)) + (len(stored) - len(set(stored)))
    if tally.first_errors:
        print(f"# first errors: {tally.first_errors}", flush=True)
    print(
        f"# {len(tally.latencies)} requests in {seconds:.0f} s: {len(accepted)} reports accepted, "
        f"{len(stored)} stored; {arguments.suppliers} supplier clients, {len(cookies)} consultants; "
        f"gunicorn {arguments.workers} workers x {arguments.threads} threads; {os.cpu_count()} CPUs shared "
        "with other work",
        flush=True,
    )
    line("api.load.errors", tally.errors, "count", "== 0", digits=0)
    line("api.load.p99_ms", percentile_ms(tally.latencies, 0.99), "ms", "report", digits=1)
    line("api.load.rows_lost", lost, "rows", "== 0", digits=0)


if __name__ == "__main__":
    main()
