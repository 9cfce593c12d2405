"""bench/api: the supplier arrears API under gunicorn on PostgreSQL.

(1) 100,000 reports posted as 10 bulk requests of 10,000; (2) single-report POSTs from 32 concurrent
clients for 30 s, and the same load against a bare Django view in the same gunicorn processes that
inserts one row without validation (the floor, `bench/apiserver/wsgi.py`). Afterwards the database
must hold exactly the accepted reports and floor rows.

Run: `DATABASE_URL=postgres://... .venv/bin/python bench/api.py [--scale 0.1] [--port 8130]`.
"""

import argparse
import datetime as dt
import http.client
import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from bench._http import HOST, bearer_headers, line, percentile_ms, reset_bench_supplier, start_gunicorn  # noqa: E402
from intake.arrears import services  # noqa: E402
from intake.arrears.demo import generate_reports  # noqa: E402
from intake.models import ArrearsReport  # noqa: E402

MUNICIPALITY_CODE = "9130"
SUPPLIER = "bench-api"
FLOOR_TABLE = "bench_api_floor"
# The rules run in a Celery task after each intake; the bench queues those tasks on this broker and
# times the assessment itself afterwards, in this process, so intake and rules are measured apart.
BROKER = os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/4"
# Production runs several web processes with a shared cache (rate limits, tokens, covenants): so does the bench.
CACHE = os.environ.get("CACHE_URL") or BROKER


@transaction.atomic
def prepare() -> str:
    """Start from an empty bench municipality with one supplier and a token without a practical rate limit."""
    _municipality, key = reset_bench_supplier(
        code=MUNICIPALITY_CODE,
        municipality_name="Gemeente Benchmark",
        supplier_name=SUPPLIER,
        token_name="bench",
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {FLOOR_TABLE} (id bigserial PRIMARY KEY, body text NOT NULL)"
        )
        cursor.execute(f"TRUNCATE {FLOOR_TABLE}")
    return key


def bulk(port: int, key: str, *, total: int, requests: int, clients: int) -> tuple[float, int]:
    """Post `total` reports as `requests` lists, `clients` at a time; return seconds and accepted."""
    today = dt.datetime.now(dt.UTC).date()
    reports = generate_reports(
        count=total, municipality_code=MUNICIPALITY_CODE, seed=1, prefix="B", today=today
    )
    size = total // requests
    bodies = [json.dumps(reports[i * size : (i + 1) * size]).encode() for i in range(requests)]

    def post(body: bytes) -> int:
        conn = http.client.HTTPConnection(HOST, port, timeout=600)
        conn.request("POST", "/api/v1/arrears-reports", body=body, headers=bearer_headers(key))
        response = conn.getresponse()
        payload = response.read()
        conn.close()
        if response.status != 200:
            raise SystemExit(f"bulk request answered {response.status}: {payload[:500]!r}")
        result = json.loads(payload)
        return result["created"] + result["updated"]

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        accepted = sum(pool.map(post, bodies))
    return time.perf_counter() - started, accepted


def warm_up(port: int, key: str) -> None:
    """Let every worker import and build its lazy tables (holidays, regexes) before the clock runs."""
    report = generate_reports(
        count=1, municipality_code=MUNICIPALITY_CODE, seed=3, prefix="W", today=dt.datetime.now(dt.UTC).date()
    )
    for _ in range(8):
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        conn.request(
            "POST", "/api/v1/arrears-reports", body=json.dumps(report).encode(), headers=bearer_headers(key)
        )
        conn.getresponse().read()
        conn.close()


def hammer(
    port: int, path: str, key: str, *, clients: int, seconds: float, prefix: str
) -> tuple[int, list[float]]:
    """`clients` threads each POST one report at a time for `seconds`; return accepted and latencies."""
    today = dt.datetime.now(dt.UTC).date()
    templates = generate_reports(
        count=2000, municipality_code=MUNICIPALITY_CODE, seed=2, prefix="x", today=today
    )
    accepted = [0] * clients
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors: list[str] = []
    barrier = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def client(index: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=120)
        number = 0
        barrier.wait()
        while time.perf_counter() < stop_at[0]:
            body = templates[(index * 61 + number) % len(templates)] | {
                "reference": f"{prefix}-{index}-{number}"
            }
            number += 1
            started = time.perf_counter()
            conn.request("POST", path, body=json.dumps(body).encode(), headers=bearer_headers(key))
            response = conn.getresponse()
            payload = response.read()
            latencies[index].append(time.perf_counter() - started)
            if response.status in (200, 201):
                accepted[index] += 1
            elif len(errors) < 5:
                errors.append(f"{response.status}: {payload[:300]!r}")

    threads = [threading.Thread(target=client, args=(index,)) for index in range(clients)]
    for thread in threads:
        thread.start()
    stop_at[0] = time.perf_counter() + seconds
    barrier.wait()
    for thread in threads:
        thread.join()
    if errors:
        print(f"# {path}: first errors: {errors}", flush=True)
    return sum(accepted), [latency for per_client in latencies for latency in per_client]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scale", type=float, default=1.0, help="fraction of the full size (reports and seconds)"
    )
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_API_PORT", "8130")))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--bulk-clients", type=int, default=1, help="bulk requests in flight at a time")
    arguments = parser.parse_args()

    key = prepare()
    total = max(10, int(100_000 * arguments.scale))
    seconds = max(3.0, 30 * arguments.scale)
    server = start_gunicorn(
        application="bench.apiserver.wsgi:application",
        port=arguments.port,
        workers=arguments.workers,
        threads=arguments.threads,
        timeout=600,
        env={"CELERY_BROKER_URL": BROKER, "CACHE_URL": CACHE},
    )
    try:
        warm_up(arguments.port, key)
        bulk_seconds, bulk_accepted = bulk(
            arguments.port, key, total=total, requests=10, clients=arguments.bulk_clients
        )
        api_accepted, api_latencies = hammer(
            arguments.port,
            "/api/v1/arrears-reports",
            key,
            clients=arguments.clients,
            seconds=seconds,
            prefix="S",
        )
        floor_accepted, floor_latencies = hammer(
            arguments.port, "/bench/floor/", key, clients=arguments.clients, seconds=seconds, prefix="F"
        )
    finally:
        server.terminate()
        server.wait(timeout=60)

    started = time.perf_counter()
    assessed = services.assess_pending_reports()
    assess_seconds = time.perf_counter() - started
    stored = ArrearsReport.objects.filter(supplier__name=SUPPLIER).exclude(reference__startswith="W-").count()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {FLOOR_TABLE}")
        floor_stored = cursor.fetchone()[0]
    api_rate = api_accepted / seconds
    floor_rate = floor_accepted / seconds
    mismatch = abs(stored - bulk_accepted - api_accepted) + abs(floor_stored - floor_accepted)
    print(
        f"# {total} bulk reports as 10 requests, {arguments.bulk_clients} in flight, in {bulk_seconds:.2f} s; {api_accepted} single reports and {floor_accepted} floor rows "
        f"in {seconds:.0f} s each; gunicorn {arguments.workers} workers x {arguments.threads} threads, "
        f"{arguments.clients} clients; {os.cpu_count()} CPUs shared with other work",
        flush=True,
    )
    line("api_bulk_reports_per_second", total / bulk_seconds, "reports/s", ">= 20000")
    line("api_single_reports_per_second", api_rate, "reports/s", f">= {0.5 * floor_rate:.1f} (0.5x floor)")
    line("api_single_latency_p50", percentile_ms(api_latencies, 0.50), "ms", "report")
    line("api_single_latency_p99", percentile_ms(api_latencies, 0.99), "ms", "report")
    line("api_floor_rows_per_second", floor_rate, "rows/s", "report")
    line("api_floor_latency_p50", percentile_ms(floor_latencies, 0.50), "ms", "report")
    line("api_floor_latency_p99", percentile_ms(floor_latencies, 0.99), "ms", "report")
    line("api_single_vs_floor", api_rate / floor_rate, "x", ">= 0.5", digits=2)
    line("api_lost_or_duplicated_rows", mismatch, "rows", "== 0", digits=0)
    line(
        "api_rules_assessment_reports_per_second",
        assessed / assess_seconds if assessed else 0.0,
        "reports/s",
        "report",
    )


if __name__ == "__main__":
    main()
