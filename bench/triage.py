"""Benchmark of the triage pages: a basket list with two filters and an item page over 200,000 open items.

Runs in a scratch database next to DATABASE_URL's (created, migrated and dropped here), so a
developer's data is never touched. Server time is measured around Django's test client (the
whole request: middleware, guardian access, queries, template), median over 50 requests. The
number of SQL queries per page is measured with 500 items and again at full size: it must not grow.

    python bench/triage.py [--scale 0.01] [--requests 50]
"""

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("REQUIRE_TWO_FACTOR", "false")  # the bench measures triage, not the login

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

GOAL_MS = 150
SHOW = bool(os.environ.get("BENCH_SHOW_QUERIES"))
ITEMS = 200_000
SMALL = 500
DISTRICTS = ["Noord", "Oost", "Zuid", "West", "Centrum", "Haven", "Dorp", "Veld"]
TYPES = ["INCOME_RISE", "NEW_INCOME_SOURCE", "ASSETS", "VEHICLE", "INCOME_ABOVE_THRESHOLD"]


def insert_items(*, municipality, baskets, target_basket, count, start, rng, consultant):
    from workbaskets.models import WorkItem

    today = timezone.localdate()
    rows = []
    for number in range(start, start + count):
        # Half of all items sit in the benchmarked basket, the rest spread over the others.
        basket = target_basket if rng.random() < 0.5 else rng.choice(baskets)
        rows.append(
            WorkItem(
                municipality=municipality,
                basket=basket,
                kind=WorkItem.Kind.DEBTOR_SIGNAL,
                person_ref=f"D{number:07d}",
                display_name=f"J. Jansen{number}",
                district=rng.choice(DISTRICTS),
                debtor_category=rng.choice(["payer", "non_payer", "vow"]),
                age=rng.randint(18, 90),
                amount=Decimal(rng.randint(100, 500_000)) / 100,
                signal_types=f"|{rng.choice(TYPES)}|",
                status=rng.choice([WorkItem.Status.NEW, WorkItem.Status.NEW, WorkItem.Status.IN_PROGRESS]),
                assignee=consultant if rng.random() < 0.2 else None,
                due_date=today + dt.timedelta(days=rng.randint(-20, 40)),
                routing={"basket": basket.name, "explanation": "bench"},
                facts={"kind": "debtor_signal"},
            )
        )
        if len(rows) == 10_000:
            WorkItem.objects.bulk_create(rows)
            rows = []
    WorkItem.objects.bulk_create(rows)


def build_item_with_history(*, municipality, basket, consultant):
    """One realistic item to open: a debtor with signals, arrears, notes and contact attempts."""
    from intake.models import ArrearsCase, Debtor, DebtorSnapshot
    from signals.models import Signal
    from workbaskets import services
    from workbaskets.models import WorkItem

    debtor = Debtor.objects.create(
        municipality=municipality,
        debtor_ref="BENCH-1",
        bsn="111222333",
        last_name="Bakker",
        birth_date=dt.date(1980, 1, 1),
        first_period=dt.date(2025, 1, 1),
    )
    DebtorSnapshot.objects.create(
        municipality=municipality,
        debtor=debtor,
        period=dt.date(2026, 10, 1),
        category="payer",
        claim_amount=Decimal("3200.00"),
        house_number="1",
        postcode="1234AB",
        district="Noord",
    )
    signals = [
        Signal(
            municipality=municipality,
            debtor=debtor,
            type=kind,
            period=dt.date(2026, month, 1),
            category="payer",
            evidence={"income": "1750.00", "months": ["2026-09", "2026-10"]},
        )
        for month in (8, 9, 10)
        for kind in ("INCOME_RISE", "ASSETS")
    ]
    Signal.objects.bulk_create(signals)
    ArrearsCase.objects.create(
        municipality=municipality,
        person_key="bench",
        household_key="bench",
        debtor=debtor,
        opened_on=dt.date(2026, 11, 1),
        due_date=dt.date(2026, 11, 29),
    )
    item = WorkItem.objects.create(
        municipality=municipality,
        basket=basket,
        kind=WorkItem.Kind.DEBTOR_SIGNAL,
        debtor=debtor,
        person_ref="BENCH-1",
        district="Noord",
        amount=Decimal("3200.00"),
        routing={"basket": basket.name, "explanation": "bench"},
    )
    item.signals.set(signals[:4])
    for number in range(20):
        services.add_note(item=item, text=f"Notitie {number}", by=consultant)
    for day in (3, 4, 5):
        services.record_contact_attempt(
            item=item,
            kind="Telefoon",
            reached=False,
            date=dt.date(2026, 11, day),
            part_of_day="Ochtend",
            by=consultant,
        )
    return item


class QueryLog:
    """Count (and time) the SQL of one request; the test client's request cycle resets Django's own log."""

    def __init__(self) -> None:
        self.queries: list[tuple[float, str]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append(((time.perf_counter() - started) * 1000, sql))


def measure(client, url, params, requests, *, show: bool = False):
    timings = []
    log = QueryLog()
    with connection.execute_wrapper(log):
        response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    if show:
        for ms, sql in log.queries:
            print(f"#   {ms:7.1f} ms  {sql[:150]}")
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url, params)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return statistics.median(timings), len(log.queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the 200,000 items")
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    total = max(SMALL + 1, int(ITEMS * args.scale))

    database = settings.DATABASES["default"]
    database.setdefault("TEST", {})["NAME"] = f"bench_triage_{database['NAME']}"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        run(total=total, requests=args.requests)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(*, total: int, requests: int) -> None:
    from django.contrib.auth import get_user_model

    from tenancy.models import Membership, Municipality, Role
    from workbaskets import services
    from workbaskets.models import WorkBasket

    rng = random.Random(20261123)
    municipality = Municipality.objects.create(code="9899", name="Gemeente Benchdorp")
    services.create_default_baskets(municipality=municipality)
    baskets = list(WorkBasket.objects.for_municipality(municipality))
    target = WorkBasket.objects.get(municipality=municipality, name="Inkomen gevonden")
    consultant = get_user_model().objects.create_user(username="bench.consulent")
    Membership.objects.create(municipality=municipality, user=consultant, role=Role.CONSULTANT)
    services.grant_basket(basket=target, user=consultant)
    item = build_item_with_history(municipality=municipality, basket=target, consultant=consultant)

    client = Client(HTTP_HOST="localhost")
    client.force_login(consultant)
    list_url = target.get_absolute_url()
    filters = {"district": "Noord", "amount_min": "500"}

    insert_items(
        municipality=municipality,
        baskets=baskets,
        target_basket=target,
        count=SMALL,
        start=0,
        rng=rng,
        consultant=consultant,
    )
    _ms, list_queries_small = measure(client, list_url, filters, 1)
    _ms, item_queries_small = measure(client, item.get_absolute_url(), {}, 1)

    started = time.perf_counter()
    insert_items(
        municipality=municipality,
        baskets=baskets,
        target_basket=target,
        count=total - SMALL,
        start=SMALL,
        rng=rng,
        consultant=consultant,
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE workbaskets_workitem")  # what autovacuum does after a bulk load
    print(f"# {total} open items inserted in {time.perf_counter() - started:.1f} s", flush=True)

    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.enable()
        for _ in range(5):
            client.get(
                (os.environ["BENCH_PROFILE"] == "item" and item.get_absolute_url()) or list_url, filters
            )
        profile.disable()
        pstats.Stats(profile).sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(45)
    if SHOW:
        from workbaskets.forms import ItemFilterForm
        from workbaskets.models import WorkItem

        form = ItemFilterForm(filters, municipality_id=municipality.pk, user=consultant)
        listed = form.apply(
            WorkItem.objects.for_municipality(municipality).filter(basket=target), today=timezone.localdate()
        )
        with connection.cursor() as cursor:
            sql, params = listed.order_by().values("pk").query.sql_with_params()
            cursor.execute(f"EXPLAIN ANALYZE SELECT COUNT(*) FROM ({sql}) AS counted", params)
            print("\n".join("# " + row[0] for row in cursor.fetchall()))
            sql, params = listed[:50].query.sql_with_params()
            cursor.execute(f"EXPLAIN ANALYZE {sql}", params)
            print("\n".join("# " + row[0] for row in cursor.fetchall()))
    # The floor of this machine at this moment: the start page (session, membership, base layout).
    baseline_ms, _queries = measure(client, "/", {}, requests)
    print(f"# baseline: start page median {baseline_ms:.1f} ms (same run, same client)")
    list_ms, list_queries = measure(client, list_url, filters, requests, show=SHOW)
    item_ms, item_queries = measure(client, item.get_absolute_url(), {}, requests, show=SHOW)
    print(f"bench: triage_list_median = {list_ms:.1f} ms (goal < {GOAL_MS})")
    print(f"bench: triage_item_median = {item_ms:.1f} ms (goal < {GOAL_MS})")
    print(f"bench: triage_list_queries = {list_queries} queries (goal <= {list_queries_small})")
    print(f"bench: triage_item_queries = {item_queries} queries (goal <= {item_queries_small})")


if __name__ == "__main__":
    main()
