"""Benchmark the intake of a debtor file (1M rows) and an income file (5M rows) against plain COPY.

Run by `make bench` with DATABASE_URL (PostgreSQL) set; `--scale 0.01` for a quick look. Prints:

    bench: ingest_debtors_vs_copy = R x (goal <= 2.0)
    bench: ingest_income_vs_copy = R x (goal <= 2.0)
    bench: ingest_peak_memory = M MiB (goal < 1024)

The baseline is a plain COPY of the same file into an unindexed table of text columns, timed in the
same run. Our import is the whole path a worker runs (checksum, parse and validate, COPY into
staging, set-based merge with snapshot and diff, commit), each in its own process so its peak
memory is its own. Debtor files are consecutive months of one population (the first imported
untimed), so each diff has new, changed, ended and unchanged debtors. Each timed step, import or
baseline, starts after a CHECKPOINT, so no step pays for the WAL of the one before.

On a shared two-core machine one timing of the same step varies by a fifth or more. So each
ratio is the median of three pairs, each import followed by its baseline (all pairs are printed
above it): three consecutive debtor months, and the income file three times, each time into a
municipality of its own (a second import of the same file would be a duplicate, or replace rows).
Much of the swing is memory: on a virtual machine that hands freed memory back to its host, memory
touched for the first time in a while costs about 3 ms per MB (100 MB: 0.30 s, then 0.02 s when
touched again). An import grows by some 600 MB (its peak less its size at the start), and
PostgreSQL writes a new table and its WAL into pages of the page cache it may not have touched lately.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
DEBTORS = 1_000_000
INCOME_ROWS = 5_000_000
PERIOD = date(2026, 6, 1)
DEBTOR_MONTHS = 3  # timed, after one untimed
INCOME_RUNS = 3


def setup_django() -> None:
    import django

    django.setup()


def run_import(kind: str, path: str, period: str, code: str) -> None:
    """Child process: import one file the way a worker does and report time and peak memory."""
    setup_django()
    import pandas  # noqa: F401 - a worker has these loaded already; keep import time out of the clock
    import pyarrow.compute  # noqa: F401
    from django.core.files import File

    from intake import services
    from tenancy.models import Municipality

    municipality = Municipality.objects.get(code=code)
    year, month = period.split("-")
    # A forked child starts with its parent's peak (the generator's arrays): reset it (Linux >= 4.0).
    Path("/proc/self/clear_refs").write_text("5")
    started = time.perf_counter()
    with open(path, "rb") as handle:
        delivery = services.receive_delivery(
            municipality=municipality, kind=kind, period=date(int(year), int(month), 1),
            file=File(handle, name=Path(path).name), enqueue=False,
        )  # fmt: skip
    services.import_delivery(delivery=delivery)
    seconds = time.perf_counter() - started
    delivery.refresh_from_db()
    peak = peak_rss_mib()
    print(json.dumps({"seconds": seconds, "peak_mib": peak, "status": delivery.status, "counts": delivery.counts,
                      "rows": delivery.rows_done}))  # fmt: skip


def peak_rss_mib() -> float:
    """This process's peak resident memory since the last reset (VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def settle() -> None:
    """Start each timed step from the same state: what the steps before wrote is on disk.

    Otherwise a checkpoint forced by an earlier step's WAL, or the kernel writing back the files
    generated before (a gigabyte) or an earlier import's stored copy of its file, lands inside
    whichever step comes next.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")
    os.sync()


def child(kind: str, path: Path, period: date, code: str) -> dict:
    settle()
    output = subprocess.run(
        [sys.executable, __file__, "--import", kind, str(path), f"{period:%Y-%m}", code],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    result = json.loads(output.strip().splitlines()[-1])
    if result["status"] != "accepted":
        raise SystemExit(f"{kind} import not accepted: {result}")
    return result


def plain_copy(path: Path, columns: list[str]) -> float:
    """Time a COPY of the file into an unindexed table of text columns (the baseline)."""
    from django.db import connection

    settle()
    table = "bench_plain_copy"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE TABLE {table} ({', '.join(f'{name} text' for name in columns)})")
    started = time.perf_counter()
    with (
        connection.cursor() as cursor,
        path.open("rb") as handle,
        cursor.copy(f"COPY {table} FROM STDIN (FORMAT csv, HEADER true)") as copy,
    ):
        while block := handle.read(1 << 20):
            copy.write(block)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {table}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--import", dest="child", nargs=4, metavar=("KIND", "FILE", "PERIOD", "CODE"))
    arguments = parser.parse_args()
    if arguments.child:
        run_import(*arguments.child)
        return
    setup_django()
    from django.db import connection

    from tenancy.models import Municipality
    from tenancy.services import create_municipality

    if connection.vendor != "postgresql":
        raise SystemExit("bench/ingest needs PostgreSQL (set DATABASE_URL)")
    municipalities = []
    code = f"99{int(time.time()) % 100:02d}"
    try:
        for _run in range(INCOME_RUNS):  # the first takes the debtor months too
            while Municipality.objects.filter(code=code).exists():
                code = f"{(int(code) + 1) % 10000:04d}"
            municipalities.append(create_municipality(code=code, name=f"Benchmark {code}"))
        measure(arguments.scale, [municipality.code for municipality in municipalities])
    finally:
        for municipality in municipalities:
            remove(municipality)


def measure(scale: float, codes: list[str]) -> None:
    from intake import demo

    debtors = max(1000, int(DEBTORS * scale))
    income_rows = max(5000, int(INCOME_ROWS * scale))
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        months = 7
        data = demo.generate(seed=42, debtors=debtors, months=months, last_period=PERIOD)
        debtor_files = {}  # period: file, the last DEBTOR_MONTHS + 1 months
        for index in range(months - DEBTOR_MONTHS - 1, months):
            period = demo.add_months(PERIOD, index - (months - 1))
            path = folder / f"debtors-{period:%Y-%m}.csv"
            debtor_files[period] = demo.write_file(demo.debtor_table(data, index), path, kind="debtors")
        income = demo.income_table(data)
        if income.num_rows < income_rows:
            raise SystemExit(f"the generator made {income.num_rows} income rows, fewer than {income_rows}")
        income_file = demo.write_file(income.slice(0, income_rows), folder / "income.csv", kind="income")
        del data, income

        debtor_runs = []  # (import, plain COPY)
        for number, (period, path) in enumerate(debtor_files.items()):
            run = child("debtors", path, period, codes[0])
            if number:  # the first month is untimed: it has no month before
                debtor_runs.append((run, plain_copy(path, [c.name for c in demo_columns("debtors")])))
        income_runs = [
            (
                child("income", income_file, PERIOD, code),
                plain_copy(income_file, [c.name for c in demo_columns("income")]),
            )
            for code in codes
        ]

    for kind, runs in (("debtors", debtor_runs), ("income", income_runs)):
        for run, copy in runs:
            print(f"# {kind}: {run['rows']} rows, import {run['seconds']:.2f} s, plain COPY {copy:.2f} s, "
                  f"ratio {run['seconds'] / copy:.2f}, {run['counts']}, peak {run['peak_mib']:.0f} MiB")  # fmt: skip
    for kind, runs in (("debtors", debtor_runs), ("income", income_runs)):
        ratio = statistics.median(run["seconds"] / copy for run, copy in runs)
        print(f"bench: ingest_{kind}_vs_copy = {ratio:.2f} x (goal <= 2.0)")
    peak = max(run["peak_mib"] for run, _copy in debtor_runs + income_runs)
    print(f"bench: ingest_peak_memory = {peak:.0f} MiB (goal < 1024)")


def remove(municipality) -> None:
    """Drop the bulk the run wrote (some gigabytes a run): the stored files, its partitions, then its
    debtors and deliveries, vacuumed away. The municipality stays (with its configuration it cannot be deleted)."""
    from django.db import connection

    from intake import partitions, snapshot_partitions
    from intake.models import Debtor, DebtorWrites, Delivery, DeliveryFingerprints, KnownDebtorsCopy

    for delivery in Delivery.objects.filter(municipality=municipality):  # the stored files (a gigabyte)
        for stored in (delivery.original_file, delivery.error_report):
            if stored:
                stored.delete(save=False)
    with connection.cursor() as cursor:
        for tables in (partitions.INCOME, snapshot_partitions.SNAPSHOTS):
            cursor.execute(f'DROP TABLE IF EXISTS "{tables.municipality_partition(municipality.pk)}" CASCADE')
        cursor.execute(  # the copy of its debtors goes with them
            f"UPDATE {DebtorWrites._meta.db_table} SET copy_delivery_id = NULL WHERE municipality_id = %s",
            [municipality.pk],
        )
        bulk = (KnownDebtorsCopy, DeliveryFingerprints, Debtor, Delivery)
        for model in bulk:  # a million debtors: not one by one
            cursor.execute(
                f"DELETE FROM {model._meta.db_table} WHERE municipality_id = %s", [municipality.pk]
            )
        for model in bulk:
            # The next run would read past a million dead debtors (autovacuum may be off or late).
            cursor.execute(f"VACUUM (ANALYZE) {model._meta.db_table}")


def demo_columns(kind: str) -> list:
    from intake.parsers import LAYOUTS

    return [column for column in LAYOUTS[kind].columns if column.name != "period" or kind == "income"]


if __name__ == "__main__":
    main()
