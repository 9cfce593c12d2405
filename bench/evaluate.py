"""Benchmark of the monthly evaluation run (issue 4) on PostgreSQL and Redis.

Prints, from one run:
  (a) the floor: one `COPY (SELECT ...) TO STDOUT` per input table of exactly the rows the run reads,
  (b) the full run with one Celery worker, (c) with two workers,
and the ratios b/a (goal <= 3.0) and b/c (goal >= 1.6).

Input: 1,000,000 debtors x 12 months of income (about 12M income rows), balances and vehicles,
generated with numpy and loaded by COPY (kept between runs: generated again only when the size
differs). `--scale 0.02` for a quick run while developing.

Environment: DATABASE_URL (PostgreSQL), CELERY_BROKER_URL (Redis; TEST_REDIS_URL is used when unset).
"""

from __future__ import annotations

import argparse
import io
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
if not os.environ.get("CELERY_BROKER_URL") and os.environ.get("TEST_REDIS_URL"):
    os.environ["CELERY_BROKER_URL"] = os.environ["TEST_REDIS_URL"]

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pyarrow as pa  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from psycopg import sql  # noqa: E402
from pyarrow import csv  # noqa: E402

from intake.models import BankBalance, Debtor, DebtorSnapshot, IncomeRecord, VehicleRecord  # noqa: E402
from signals import inputs, services  # noqa: E402
from signals.models import EvaluationRun, Signal  # noqa: E402
from tenancy.models import Municipality  # noqa: E402
from tenancy.services import create_municipality  # noqa: E402

CODE = "9990"
PERIOD = date(2026, 1, 1)
MONTHS = 12
FULL_DEBTORS = 1_000_000
SEED = 20260101


def copy_bytes(query: sql.Composable) -> bytes:
    """The floor: one `COPY (SELECT ...) TO STDOUT` of a run's input rows, as the CSV it wrote."""
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        # These are plain index range scans; compiling them (JIT) costs more than it saves.
        cursor.execute("SET jit = off")
        buffer = bytearray()
        with cursor.copy(sql.SQL("COPY ({}) TO STDOUT WITH (FORMAT csv, HEADER true)").format(query)) as copy:
            for block in copy:
                buffer += block
    return bytes(buffer)


def month_dates(count: int) -> list[date]:
    """The `count` periods ending at PERIOD, oldest first."""
    result = []
    year, month = PERIOD.year, PERIOD.month
    for _ in range(count):
        result.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return result[::-1]


def copy_in(table: str, frame: pa.Table) -> None:
    """Load a table into PostgreSQL with one COPY ... FROM STDIN (CSV), in slices of 1M rows."""
    columns = ", ".join(frame.column_names)
    with connection.connection.cursor() as cursor:
        for start in range(0, frame.num_rows, 1_000_000):
            buffer = io.BytesIO()
            csv.write_csv(frame.slice(start, 1_000_000), buffer, csv.WriteOptions(include_header=False))
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)") as copy:
                copy.write(buffer.getvalue())
    connection.connection.commit()


def euro(cents: np.ndarray) -> pa.Array:
    """Integer cents as decimal text for a numeric column."""
    return pa.array(np.char.mod("%.2f", cents / 100))


def generate(municipality: Municipality, debtors: int) -> None:
    """Generate debtors, their snapshots of M-1 and M, income, balances and vehicles; load by COPY."""
    rng = np.random.default_rng(SEED)
    months = month_dates(MONTHS)
    m = municipality.pk
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM intake_debtor")
        base = cursor.fetchone()[0]
    ids = np.arange(base + 1, base + debtors + 1, dtype=np.int64)
    bsn = np.char.zfill((100_000_000 + np.arange(debtors, dtype=np.int64) * 7).astype(str), 9)
    first_period = np.where(rng.random(debtors) < 0.05, str(PERIOD), str(months[0]))
    copy_in(
        Debtor._meta.db_table,
        pa.table(
            {
                "id": ids,
                "municipality_id": np.full(debtors, m),
                "debtor_ref": np.char.add("B", np.char.zfill(np.arange(debtors).astype(str), 7)),
                "bsn": bsn,
                "initials": np.full(debtors, "A."),
                "prefix": np.full(debtors, ""),
                "last_name": np.full(debtors, "Benchmark"),
                "birth_date": np.full(debtors, "1980-01-01"),
                "first_period": first_period,
            }
        ),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('intake_debtor', 'id'), (SELECT max(id) FROM intake_debtor))"
        )

    categories = rng.choice(np.array(["payer", "non_payer", "vow"]), size=debtors, p=[0.6, 0.3, 0.1])
    previous = np.where(rng.random(debtors) < 0.03, "payer", categories)
    known = rng.integers(90_000, 160_000, size=debtors)
    known_text = np.where(rng.random(debtors) < 0.5, np.char.mod("%.2f", known / 100), "")
    for period, category, is_new in (
        (months[-2], previous, first_period == str(PERIOD)),
        (PERIOD, categories, None),
    ):
        keep = np.ones(debtors, dtype=bool) if is_new is None else ~is_new
        count = int(keep.sum())
        copy_in(
            DebtorSnapshot._meta.db_table,
            pa.table(
                {
                    "municipality_id": np.full(count, m),
                    "debtor_id": ids[keep],
                    "period": np.full(count, str(period)),
                    "category": category[keep],
                    "claim_amount": np.full(count, "2500.00"),
                    "known_income": pa.array(known_text[keep], mask=known_text[keep] == ""),
                    "household_type": np.full(count, ""),
                    "known_seizure": np.full(count, "f"),
                    "district": np.full(count, "Centrum"),
                    "street": np.full(count, ""),
                    "house_number": np.full(count, "1"),
                    "house_number_suffix": np.full(count, ""),
                    "postcode": np.full(count, "9990AA"),
                    "city": np.full(count, "Benchdorp"),
                }
            ),
        )

    # Income: 95% have a main source every month at a personal level, 30% of those get a raise at a
    # random month (a rise, or a new level above T), 8% get a second source for the last months.
    has_income = rng.random(debtors) < 0.95
    level = rng.integers(60_000, 200_000, size=debtors)
    raise_month = np.where(rng.random(debtors) < 0.3, rng.integers(0, MONTHS, size=debtors), MONTHS)
    raise_by = rng.integers(5_000, 80_000, size=debtors)
    employers = np.char.add("L", np.char.zfill(rng.integers(0, 10**9, size=20_000).astype(str), 9))
    main_source = rng.integers(0, len(employers), size=debtors)
    rows_debtor, rows_month, rows_source, rows_amount = [], [], [], []
    for index in range(MONTHS):
        who = np.flatnonzero(has_income)
        amount = level[who] + np.where(raise_month[who] <= index, raise_by[who], 0)
        rows_debtor.append(who)
        rows_month.append(np.full(len(who), index))
        rows_source.append(main_source[who])
        rows_amount.append(amount)
    second = np.flatnonzero(rng.random(debtors) < 0.08)
    second_start = rng.integers(MONTHS - 6, MONTHS, size=len(second))
    second_source = (main_source[second] + 1 + rng.integers(0, 100, size=len(second))) % len(employers)
    for index in range(MONTHS - 6, MONTHS):
        who = second[second_start <= index]
        rows_debtor.append(who)
        rows_month.append(np.full(len(who), index))
        rows_source.append(second_source[second_start <= index])
        rows_amount.append(rng.integers(20_000, 60_000, size=len(who)))
    who = np.concatenate(rows_debtor)
    month_index = np.concatenate(rows_month)
    month_text = np.array([str(p) for p in months])
    count = len(who)
    copy_in(
        IncomeRecord._meta.db_table,
        pa.table(
            {
                "municipality_id": np.full(count, m),
                "bsn": bsn[who],
                "period": month_text[month_index],
                "source_id": employers[np.concatenate(rows_source)],
                "source_name": np.full(count, "Werkgever"),
                "income_kind": np.full(count, "employment"),
                "amount": euro(np.concatenate(rows_amount)),
            }
        ),
    )

    # Balances: 30% with one reference date in the last 14 months, 10% with a second one.
    with_balance = np.flatnonzero(rng.random(debtors) < 0.3)
    days = pd.Timestamp(PERIOD) + pd.to_timedelta(31 - rng.integers(0, 420, size=len(with_balance)), unit="D")
    second_balance = with_balance[rng.random(len(with_balance)) < 0.33]
    days2 = pd.Timestamp(PERIOD) + pd.to_timedelta(
        -rng.integers(425, 500, size=len(second_balance)), unit="D"
    )
    balance_who = np.concatenate([with_balance, second_balance])
    copy_in(
        BankBalance._meta.db_table,
        pa.table(
            {
                "municipality_id": np.full(len(balance_who), m),
                "bsn": bsn[balance_who],
                "reference_date": np.concatenate([days.strftime("%Y-%m-%d"), days2.strftime("%Y-%m-%d")]),
                "balance": euro(rng.integers(-50_000, 1_500_000, size=len(balance_who))),
            }
        ),
    )

    # Vehicles: 15% hold a plate in M, 90% of those had it in M-1 too.
    with_vehicle = np.flatnonzero(rng.random(debtors) < 0.15)
    plates = np.char.add("BX", np.char.zfill(np.arange(len(with_vehicle)).astype(str), 6))
    values = euro(rng.integers(50_000, 2_000_000, size=len(with_vehicle)))
    before = rng.random(len(with_vehicle)) < 0.9
    for period, keep in ((months[-2], before), (PERIOD, np.ones(len(with_vehicle), dtype=bool))):
        count = int(keep.sum())
        copy_in(
            VehicleRecord._meta.db_table,
            pa.table(
                {
                    "municipality_id": np.full(count, m),
                    "bsn": bsn[with_vehicle[keep]],
                    "period": np.full(count, str(period)),
                    "plate": plates[keep],
                    "registration_date": np.full(count, "2024-05-01"),
                    "value": values.filter(pa.array(keep)),
                }
            ),
        )
    with connection.cursor() as cursor:
        for model in (Debtor, DebtorSnapshot, IncomeRecord, BankBalance, VehicleRecord):
            cursor.execute(f"ANALYZE {model._meta.db_table}")


def prepare(debtors: int) -> Municipality:
    municipality = Municipality.objects.filter(code=CODE).first()
    if municipality is None:
        municipality = create_municipality(code=CODE, name="Gemeente Benchdorp")
    present = DebtorSnapshot.objects.filter(municipality=municipality, period=PERIOD).count()
    if present != debtors:
        print(f"generating {debtors:,} debtors (found {present:,})", flush=True)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM signals_evaluationchunk WHERE run_id IN"
                " (SELECT id FROM signals_evaluationrun WHERE municipality_id = %s)",
                [municipality.pk],
            )
            for model in (
                Signal,
                EvaluationRun,
                VehicleRecord,
                BankBalance,
                IncomeRecord,
                DebtorSnapshot,
                Debtor,
            ):
                cursor.execute(
                    f"DELETE FROM {model._meta.db_table} WHERE municipality_id = %s", [municipality.pk]
                )
        generate(municipality, debtors)
        print(f"generated in {time.perf_counter() - started:.1f} s", flush=True)
    return municipality


def floor(municipality: Municipality) -> float:
    """Time one COPY TO STDOUT per input table of exactly the rows the run reads."""
    thresholds = services.current_thresholds(municipality=municipality)
    queries = inputs.queries(
        municipality_id=municipality.pk,
        period=PERIOD,
        bsns=inputs.BsnRange(),
        months_back=services.months_back(thresholds),
    )
    started = time.perf_counter()
    size = 0
    for query in queries.values():
        size += len(copy_bytes(query))
    elapsed = time.perf_counter() - started
    print(f"floor read {size / 1e6:.0f} MB in {elapsed:.1f} s, {load()}", flush=True)
    return elapsed


APP_NAME = "bench-evaluate-worker"


def cpu_seconds(pid: int) -> float | None:
    """User and system CPU time of one process (Linux /proc), None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU seconds the workers and their database backends spend from now on, sampled while the run
    goes (a backend that closes its connection takes its figure with it); PostgreSQL on this host."""

    def __init__(self, workers: list[subprocess.Popen]) -> None:
        self.workers = workers
        self.start: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.backends: set[int] = set()
        self.sample(first=True)

    def sample(self, first: bool = False) -> None:
        pids = []
        for worker in self.workers:
            pids.append(worker.pid)
            try:
                with open(f"/proc/{worker.pid}/task/{worker.pid}/children") as children:
                    pids += [int(pid) for pid in children.read().split()]
            except OSError:
                pass
        with connection.cursor() as cursor:
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s", [APP_NAME])
            backends = [row[0] for row in cursor.fetchall()]
        self.backends.update(backends)
        for pid in pids + backends:
            seconds = cpu_seconds(pid)
            if seconds is not None:
                self.start.setdefault(pid, seconds if first else 0.0)
                self.last[pid] = seconds

    def report(self) -> str:
        used = {pid: self.last[pid] - self.start[pid] for pid in self.last}
        database = sum(seconds for pid, seconds in used.items() if pid in self.backends)
        python = sum(used.values()) - database
        return f"CPU s: {python:.1f} in workers, {database:.1f} in their PostgreSQL backends"


def load() -> str:
    """The load average: other work on the machine shares its two cores with the measurement."""
    return "load average " + ", ".join(f"{value:.2f}" for value in os.getloadavg())


def start_workers(count: int) -> list[subprocess.Popen]:
    """Start `count` workers of one process each and return once each of them has run a task."""
    from config.celery import app

    workers = []
    for number in range(count):
        workers.append(
            subprocess.Popen(
                [
                    str(ROOT / ".venv/bin/celery"),
                    "-A",
                    "config",
                    "worker",
                    "--concurrency=1",
                    "--pool=prefork",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "--loglevel=WARNING",
                    f"--hostname=bench{number}@%h",
                    f"--queues=celery,bench{number}",
                ],
                cwd=ROOT,
                # Its own session, as a worker deployed on its own (systemd unit, container) has:
                # Linux shares the CPU fairly between sessions (autogroup), so on a busy machine
                # workers started in the bench's session would share one session's share.
                start_new_session=True,
                env={
                    **os.environ,
                    "DJANGO_SETTINGS_MODULE": "config.settings.base",
                    "PGAPPNAME": APP_NAME,
                    # A stopped worker's query (e.g. of the routing task) ends within a second
                    # instead of running on into the next measurement.
                    "PGOPTIONS": "-c client_connection_check_interval=1000",
                },
            )
        )
    # A worker answers a ping before its pool process has loaded Django and pandas (seconds on a
    # busy machine); a no-op task on each worker's own queue waits for that, so the clock times
    # the run and not the start of the workers.
    warm_ups = [
        app.send_task("celery.accumulate", args=(number,), queue=f"bench{number}") for number in range(count)
    ]
    for warm_up in warm_ups:
        warm_up.get(timeout=120)
    return workers


def stop_workers(workers: list[subprocess.Popen]) -> None:
    """Stop at once and drop what is queued: the finished run announces routing of its signals, a
    task of the work-basket app; finished or requeued (acks late), it would load the next measurement."""
    import redis

    from config.celery import app

    for worker in workers:
        worker.send_signal(signal.SIGQUIT)  # cold shutdown: do not wait for the routing task
    for worker in workers:
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            # A pool process inside a long query can outlive the cold shutdown: end its session
            # (its query ends with it, see PGOPTIONS).
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=60)
    app.control.purge()
    # The killed task's message waits among the unacknowledged ones, to come back within the hour.
    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete("unacked", "unacked_index")


def timed_run(municipality: Municipality, workers: int) -> float:
    """Time a full run (plan, chunks, store, finish) of the period on `workers` worker processes."""
    from config.celery import app

    Signal.objects.filter(municipality=municipality, period=PERIOD).delete()
    EvaluationRun.objects.filter(municipality=municipality, period=PERIOD).delete()
    app.control.purge()  # tasks left by an interrupted earlier bench
    processes = start_workers(workers)
    try:
        cpu = CpuMeter(processes)
        started = time.perf_counter()
        run = services.start_run(municipality=municipality, period=PERIOD)
        while True:
            run.refresh_from_db()
            if run.status in (EvaluationRun.Status.FINISHED, EvaluationRun.Status.FAILED):
                break
            cpu.sample()
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
        cpu.sample()
    finally:
        stop_workers(processes)
    claimed = (run.started_at - run.created_at).total_seconds() if run.started_at else float("nan")
    print(
        f"{workers} worker(s): {run.debtors_done:,} debtors, {run.signals_found:,} signals, "
        f"{run.chunks.count()} chunks, {elapsed:.1f} s (claimed after {claimed:.2f} s), "
        f"{cpu.report()}, {load()}",
        flush=True,
    )
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of 1,000,000 debtors")
    args = parser.parse_args()
    if connection.vendor != "postgresql" or not settings.CELERY_BROKER_URL:
        raise SystemExit("bench/evaluate needs DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL (Redis)")
    call_command("migrate", verbosity=0)
    debtors = max(100, int(FULL_DEBTORS * args.scale))
    municipality = prepare(debtors)
    copy_floor = floor(municipality)
    one = timed_run(municipality, 1)
    two = timed_run(municipality, 2)
    print(f"# (a) floor, COPY of the run's input rows = {copy_floor:.2f} s")
    print(f"# (b) full run, one worker = {one:.2f} s")
    print(f"# (c) full run, two workers = {two:.2f} s")
    print(f"bench: evaluate_full_over_floor = {one / copy_floor:.2f} x (goal <= 3.0)")
    print(f"bench: evaluate_one_over_two_workers = {one / two:.2f} x (goal >= 1.6)")


if __name__ == "__main__":
    main()
