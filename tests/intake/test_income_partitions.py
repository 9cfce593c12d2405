"""Income on PostgreSQL: a leaf table per delivery, attached to its municipality's partition."""

from datetime import date
from decimal import Decimal

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.db import connection

from intake import parsers, partitions, services
from intake.income_leaf import IncomeLeaf
from intake.models import Delivery, IncomeRecord
from tests.intake.test_services import DUPLICATE, INCOME_DUPLICATES_REPORT, INCOME_WITH_DUPLICATES, deliver
from tests.tenancy.factories import MunicipalityFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions exist on PostgreSQL only"),
]

HEADER = "bsn,period,source_id,source_name,income_kind,amount"
MAY, JUNE = date(2026, 5, 1), date(2026, 6, 1)


def income(municipality) -> list[tuple]:
    return sorted(
        IncomeRecord.objects.for_municipality(municipality).values_list(
            "bsn", "period", "source_id", "amount"
        )
    )


def table_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
        return cursor.fetchone()[0]


def leaves_of(municipality) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = to_regclass(%s) ORDER BY 1",
            [partitions.municipality_partition(municipality.pk)],
        )
        return [row[0] for row in cursor.fetchall()]


def test_an_accepted_file_becomes_a_leaf_of_its_municipality(municipality):
    delivery = deliver(municipality, "income", [HEADER, "111222333,2026-06,A1,A,loon,1260.54"])

    assert delivery.status == Delivery.Status.ACCEPTED
    assert partitions.leaf_name(delivery.pk) in leaves_of(municipality)
    assert delivery.periods == ["2026-06-01"]
    assert income(municipality) == [("111222333", JUNE, "A1", Decimal("1260.54"))]


@pytest.mark.django_db(transaction=True)
def test_a_leaf_is_split_by_the_last_digit_of_the_bsn_and_each_half_indexed_on_a_connection_of_its_own(
    municipality,
):
    lines = [HEADER, *(f"{bsn},2026-06,A1,A,loon,100" for bsn in ("111222333", "123456782", "999999990"))]
    lines += ["012345672,2026-06,A1,A,loon,100", "100000009,2026-05,A1,A,loon,100"]
    statements: list[str] = []

    def record(execute, sql, params, many, context):
        statements.append(str(sql))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):  # this thread's connection only
        delivery = deliver(municipality, "income", lines)

    halves = partitions.INCOME.parts(partitions.leaf_name(delivery.pk))
    with connection.cursor() as cursor:
        found = {}
        for half, table in halves.items():
            cursor.execute(f"SELECT bsn FROM {table} ORDER BY bsn")
            found[half] = [row[0] for row in cursor.fetchall()]
    assert found == {"low": ["012345672", "111222333", "123456782", "999999990"], "high": ["100000009"]}
    assert len(leaf_indexes(delivery)) == 2
    built_here = [sql for sql in statements if "CREATE UNIQUE INDEX" in sql]
    assert len(built_here) == 1  # the other half's index was built on a second connection
    assert len(income(municipality)) == 5


def test_rows_written_one_by_one_are_replaced_by_a_file_naming_the_same_person_and_month(municipality):
    other = MunicipalityFactory()
    for owner in (municipality, other):
        IncomeRecord.objects.create(
            municipality=owner,
            bsn="111222333",
            period=JUNE,
            source_id="OLD",
            income_kind="employment",
            amount=1,
        )
    IncomeRecord.objects.create(
        municipality=municipality,
        bsn="111222333",
        period=MAY,
        source_id="OLD",
        income_kind="employment",
        amount=2,
    )

    delivery = deliver(municipality, "income", [HEADER, "111222333,2026-06,A1,A,loon,10"])

    assert delivery.counts == {"imported": 1, "replaced": 1}
    assert income(municipality) == [
        ("111222333", MAY, "OLD", Decimal("2.00")),
        ("111222333", JUNE, "A1", Decimal("10.00")),
    ]
    assert income(other) == [("111222333", JUNE, "OLD", Decimal("1.00"))]  # another municipality: untouched


def test_a_file_replaces_only_the_months_it_names_across_earlier_leaves(municipality):
    deliver(
        municipality, "income", [HEADER, "111222333,2026-05,A1,A,loon,100", "012345672,2026-05,B1,B,loon,7"]
    )
    deliver(municipality, "income", [HEADER, "111222333,2026-06,A1,A,loon,200"], period=JUNE)

    third = deliver(municipality, "income", [HEADER, "111222333,2026-05,A1,A,loon,150"], period=JUNE)

    assert third.counts == {"imported": 1, "replaced": 1}
    assert income(municipality) == [
        ("012345672", MAY, "B1", Decimal("7.00")),
        ("111222333", MAY, "A1", Decimal("150.00")),
        ("111222333", JUNE, "A1", Decimal("200.00")),
    ]


def test_a_rejected_file_leaves_no_table_and_no_rows_behind(municipality):
    deliver(municipality, "income", [HEADER, "111222333,2026-06,A1,A,loon,100"])

    rejected = deliver(
        municipality,
        "income",
        [HEADER, "111222333,2026-06,A1,A,loon,999", "123,2026-06,B1,B,loon,5"],
        strict=True,
    )

    assert rejected.status == Delivery.Status.REJECTED
    assert not table_exists(partitions.leaf_name(rejected.pk))
    assert income(municipality) == [("111222333", JUNE, "A1", Decimal("100.00"))]


def test_a_leftover_leaf_of_a_killed_attempt_is_dropped_before_the_retry(municipality):
    delivery = deliver(municipality, "income", [HEADER, "111222333,2026-06,A1,A,loon,100"])
    retry = Delivery.objects.create(
        municipality=municipality,
        kind="income",
        period=JUNE,
        checksum="x" * 64,
        original_file=delivery.original_file,
    )
    partitions.create_leaf(
        delivery_id=retry.pk, municipality_id=municipality.pk
    )  # as a killed worker leaves it

    from intake import services

    services.import_delivery(delivery=retry)
    retry.refresh_from_db()

    assert retry.status == Delivery.Status.ACCEPTED
    assert retry.counts == {"imported": 1, "replaced": 1}
    assert income(municipality) == [("111222333", JUNE, "A1", Decimal("100.00"))]


def test_rows_written_one_by_one_still_get_ids_from_the_sequence(municipality):
    delivery = deliver(municipality, "income", [HEADER, "111222333,2026-06,A1,A,loon,100"])
    single = IncomeRecord.objects.create(
        municipality=municipality, bsn="012345672", period=JUNE, source_id="X", income_kind="other", amount=5
    )

    leaf_id = IncomeRecord.objects.get(delivery=delivery).pk
    assert leaf_id >> partitions.ROW_BITS == delivery.pk
    assert 0 < single.pk < 1 << partitions.ROW_BITS


def leaf_indexes(delivery) -> list[str]:
    """The index definitions of each half of the delivery's leaf, in the order low, high."""
    halves = partitions.INCOME.parts(partitions.leaf_name(delivery.pk))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = ANY(%s) ORDER BY tablename <> %s",
            [list(halves.values()), halves["low"]],
        )
        return [row[0] for row in cursor.fetchall()]


def test_duplicate_keys_found_by_the_leaf_index_are_reported_as_the_parser_would(municipality):
    # The parser skips its duplicate check for a leaf: the unique index build fails, the later
    # rows of each key are removed and reported, and the index is built again.
    delivery = deliver(municipality, "income", INCOME_WITH_DUPLICATES)

    assert (delivery.status, delivery.counts, delivery.rows_rejected) == (
        Delivery.Status.ACCEPTED,
        {"imported": 3, "replaced": 0},
        5,
    )
    assert delivery.error_report.read().decode("utf-8-sig") == INCOME_DUPLICATES_REPORT
    assert [definition.split(" USING ")[1] for definition in leaf_indexes(delivery)] == [
        "btree (bsn, period, source_id) WITH (fillfactor='100')"
    ] * 2  # one per half
    assert sorted(IncomeRecord.objects.filter(delivery=delivery).values_list("pk", flat=True)) == [
        delivery.pk << partitions.ROW_BITS | row for row in (2, 3, 8)
    ]


@pytest.mark.parametrize(
    ("limit", "report"),
    [
        pytest.param(
            2,
            f"4;Loonheffingennummer;A1;{DUPLICATE} 2.\r\n5;BSN;123;Ongeldig BSN: voldoet niet aan de elfproef.\r\n"
            ";;;En nog 3 fouten die niet in dit rapport staan.\r\n",
            id="duplicates-push-out-reported-errors",
        ),
        pytest.param(
            1,
            f"4;Loonheffingennummer;A1;{DUPLICATE} 2.\r\n;;;En nog 4 fouten die niet in dit rapport staan.\r\n",
            id="report-full-before-the-duplicates-read-again",
        ),
    ],
)
def test_a_full_error_report_keeps_the_first_errors_by_row_with_the_duplicates(
    municipality, monkeypatch, limit, report
):
    monkeypatch.setattr(parsers, "MAX_DETAILED_ERRORS", limit)

    delivery = deliver(municipality, "income", INCOME_WITH_DUPLICATES)

    assert (delivery.status, delivery.counts, delivery.rows_rejected) == (
        Delivery.Status.ACCEPTED,
        {"imported": 3, "replaced": 0},
        5,
    )
    assert delivery.error_report.read().decode("utf-8-sig") == "Rij;Kolom;Waarde;Melding\r\n" + report
    assert len(leaf_indexes(delivery)) == 2


def test_values_reach_the_leaf_unchanged(municipality):
    # The leaf is filled by binary COPY: numbers, dates and texts are encoded by us, not parsed.
    name = 'de "Wit", Jr.\nvan\x1fDam\t\\ Ölçü €'
    lines = [
        "bsn;periode;loonheffingennummer;naam inkomstenbron;soort inkomen;bedrag",
        "111222333;2026-06;A1;A;loon;0",
        "111222333;2026-05;A1;;uitkering;0,01",
        '012345672;2026-06;"B;1";"' + name.replace('"', '""') + '";pensioen;1.260,5',
        "012345672;1999-12;B2;B;overig;9999999999.99",
        "999999990;1850-01;C1;C;employment;1234567890",
    ]

    delivery = deliver(municipality, "income", lines)

    assert delivery.status == Delivery.Status.ACCEPTED
    stored = IncomeRecord.objects.filter(delivery=delivery).values_list(
        "bsn", "period", "source_id", "source_name", "income_kind", "amount"
    )
    assert sorted((*row[:5], str(row[5])) for row in stored) == [  # str: the scale counts too
        ("012345672", date(1999, 12, 1), "B2", "B", "other", "9999999999.99"),
        ("012345672", JUNE, "B;1", name, "pension", "1260.50"),
        ("111222333", MAY, "A1", "", "benefit", "0.01"),
        ("111222333", JUNE, "A1", "A", "employment", "0.00"),
        ("999999990", date(1850, 1, 1), "C1", "C", "employment", "1234567890.00"),
    ]


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_rejected_file_leaves_no_leaf(municipality):
    delivery = deliver(municipality, "income", [HEADER, "111222333,2026-07,A1,A,loon,10"])

    assert (delivery.status, delivery.message) == (
        Delivery.Status.REJECTED,
        "Verkeerde periode in rij 2: 2026-07 hoort niet bij de levering voor 2026-06.",
    )
    assert not table_exists(partitions.leaf_name(delivery.pk))


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_duplicates_are_reported_as_the_parser_would(municipality):
    # As a worker runs it: the failed index build is a transaction of its own, not a savepoint.
    delivery = deliver(municipality, "income", INCOME_WITH_DUPLICATES)

    assert (delivery.status, delivery.counts, delivery.rows_rejected) == (
        Delivery.Status.ACCEPTED,
        {"imported": 3, "replaced": 0},
        5,
    )
    assert delivery.error_report.read().decode("utf-8-sig") == INCOME_DUPLICATES_REPORT


def many_rows(count: int) -> list[str]:
    """Income lines of distinct keys, some 30 bytes each: line n has source S<n> and amount n."""
    return [f"111222333,2026-06,S{n},N,loon,{n}" for n in range(count)]


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_two_connections_copy_the_chunks(municipality, monkeypatch):
    monkeypatch.setattr(IncomeLeaf, "chunk_rows", 1)  # blocks of 64 KiB: several chunks
    lines = many_rows(3000)
    lines[2500] = lines[10]  # a duplicate in a later chunk

    delivery = deliver(municipality, "income", [HEADER, *lines])

    assert (delivery.status, delivery.counts, delivery.rows_rejected) == (
        Delivery.Status.ACCEPTED,
        {"imported": 2999, "replaced": 0},
        1,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*), sum(id & 4294967295), sum(amount) FROM {partitions.leaf_name(delivery.pk)}"
        )
        assert cursor.fetchone() == (2999, sum(range(2, 3002)) - 2502, sum(range(3000)) - 2500)


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_failed_copy_leaves_no_leaf(municipality, monkeypatch):
    monkeypatch.setattr(IncomeLeaf, "chunk_rows", 1)
    lines = many_rows(3000)
    lines[-1] = "111222333,2026-06,S,Naam van zes,loon,100.00"  # valid to the parser, too long for the leaf
    content = ContentFile("\n".join([HEADER, *lines]).encode(), name="income.csv")
    delivery = services.receive_delivery(
        municipality=municipality, kind="income", period=JUNE, file=content, enqueue=False
    )
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '5s'")  # a leaf still held by the other connection: fail, not hang
        # A narrower column for this test only (leaves copy the parent's columns): the database
        # refuses a row the parser accepts, in the last chunk, which the second connection copies.
        cursor.execute(f"ALTER TABLE {partitions.PARENT} ALTER COLUMN source_name TYPE varchar(5)")
    try:
        with pytest.raises(psycopg.errors.StringDataRightTruncation):  # from the second connection's chunk
            services.import_delivery(delivery=delivery)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {partitions.PARENT} ALTER COLUMN source_name TYPE varchar(200)")

    assert not table_exists(partitions.leaf_name(delivery.pk))
