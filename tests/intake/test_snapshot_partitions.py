"""Debtor snapshots on PostgreSQL: a leaf table per period, attached to its municipality's partition."""

import threading
import time
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from intake import debtor_leaf, services, snapshot_partitions
from intake.models import Debtor, DebtorSnapshot, Delivery, DeliveryFingerprints
from tests.intake.factories import DebtorFactory
from tests.intake.test_services import ANNA, BERT, CEES, HEADER, deliver, state

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions exist on PostgreSQL only"),
]

MAY, JUNE, JULY = date(2026, 5, 1), date(2026, 6, 1), date(2026, 7, 1)


def table_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
        return cursor.fetchone()[0]


def leaves_of(municipality) -> dict[str, str]:
    """Leaf table -> its partition bound."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT inhrelid::regclass::text, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits"
            " JOIN pg_class c ON c.oid = inhrelid WHERE inhparent = to_regclass(%s) ORDER BY 1",
            [snapshot_partitions.municipality_partition(municipality.pk)],
        )
        return dict(cursor.fetchall())


def snapshot(municipality, period: date, ref: str = "D1") -> DebtorSnapshot:
    return DebtorSnapshot.objects.for_municipality(municipality).get(period=period, debtor__debtor_ref=ref)


def test_an_accepted_file_becomes_the_leaf_of_its_period(municipality):
    delivery = deliver(municipality, "debtors", [HEADER, ANNA, BERT])

    leaf = snapshot_partitions.leaf_name(delivery.pk)
    assert leaves_of(municipality)[leaf] == "FOR VALUES IN ('2026-06-01')"
    row = snapshot(municipality, JUNE)
    assert (row.pk >> snapshot_partitions.ROW_BITS, row.pk & 0xFFFFFFFF) == (delivery.pk, 2)  # file row 2
    assert (row.delivery_id, row.claim_amount, row.known_seizure) == (delivery.pk, Decimal("1000.00"), False)


def test_a_corrected_file_drops_the_leaf_it_replaces_and_rows_written_one_by_one(municipality):
    first = deliver(municipality, "debtors", [HEADER, ANNA, BERT])
    bert = Debtor.objects.get(debtor_ref="D2")
    single = DebtorSnapshot.objects.create(
        municipality=municipality,
        debtor=bert,
        period=JULY,
        category="payer",
        claim_amount=1,
        house_number="1",
    )
    assert 0 < single.pk < 1 << snapshot_partitions.ROW_BITS  # the sequence, in the rest partition

    corrected = deliver(municipality, "debtors", [HEADER, ANNA.replace("1000.00", "900")])
    july = deliver(municipality, "debtors", [HEADER, ANNA], period=JULY)

    assert not table_exists(snapshot_partitions.leaf_name(first.pk))
    assert set(leaves_of(municipality)) == {
        snapshot_partitions.leaf_name(corrected.pk),
        snapshot_partitions.leaf_name(july.pk),
        f"{snapshot_partitions.municipality_partition(municipality.pk)}_rest",
    }
    assert snapshot(municipality, JUNE).claim_amount == Decimal("900.00")
    assert list(DebtorSnapshot.objects.for_municipality(municipality).filter(period=JULY).values_list(
        "debtor__debtor_ref", flat=True)) == ["D1"]  # fmt: skip
    # June was not the newest month (the July row existed), so Bert is ended only by July's file.
    assert july.counts == {"new": 0, "changed": 1, "ended": 1, "unchanged": 0}


def test_a_rejected_file_leaves_no_table_and_no_rows_behind(municipality):
    deliver(municipality, "debtors", [HEADER, ANNA])
    before = state(municipality)

    rejected = deliver(
        municipality, "debtors", [HEADER, BERT, ANNA.replace("111222333", "111222334")], strict=True
    )

    assert rejected.status == Delivery.Status.REJECTED
    assert not table_exists(snapshot_partitions.leaf_name(rejected.pk))
    assert not table_exists(f"intake_staging_{rejected.pk}")
    assert not DeliveryFingerprints.objects.filter(delivery=rejected).exists()  # kept before the merge
    assert state(municipality) == before


def test_a_leftover_leaf_of_a_killed_attempt_is_dropped_before_the_retry(municipality):
    delivery = deliver(municipality, "debtors", [HEADER, ANNA])
    retry = Delivery.objects.create(
        municipality=municipality,
        kind="debtors",
        period=JUNE,
        checksum="x" * 64,
        original_file=delivery.original_file,
    )
    snapshot_partitions.create_leaf(delivery_id=retry.pk, municipality_id=municipality.pk, period=JUNE)

    services.import_delivery(delivery=retry)
    retry.refresh_from_db()

    assert retry.status == Delivery.Status.ACCEPTED
    assert retry.counts == {"new": 1, "changed": 0, "ended": 0, "unchanged": 0}
    assert [snapshot(municipality, JUNE).delivery_id] == [retry.pk]


def test_an_earlier_month_delivered_late_changes_no_identity_and_ends_nobody(municipality):
    deliver(municipality, "debtors", [HEADER, ANNA], period=JUNE)

    may = deliver(municipality, "debtors", [HEADER, ANNA.replace("Jansen", "Janssen"), BERT], period=MAY)

    assert may.counts == {"new": 2, "changed": 0, "ended": 0, "unchanged": 0}
    assert state(municipality)["debtors"] == [
        ("D1", "111222333", "Jansen", MAY, JUNE, None),
        ("D2", "012345672", "de Vries", MAY, MAY, None),
    ]


def test_names_with_quotes_commas_separators_and_line_breaks_read_back_unchanged(municipality):
    name = '"de ""Wit"", Jr.\nvan\x1fDam"'
    line = ANNA.replace("Jansen", name)
    deliver(municipality, "debtors", [HEADER, line], period=MAY)

    june = deliver(municipality, "debtors", [HEADER, line], period=JUNE)

    assert june.counts == {"new": 0, "changed": 0, "ended": 0, "unchanged": 1}
    assert Debtor.objects.get(debtor_ref="D1").last_name == 'de "Wit", Jr.\nvan\x1fDam'


def test_references_with_multibyte_characters_and_separators_are_known_the_next_month(municipality):
    # The known debtors are read as one binary text, cut by each reference's length in bytes.
    refs = ["Ĳ-1", '"D,2"', "D\x1f3"]
    lines = [
        HEADER,
        *(
            line.replace(line.split(",")[0], ref, 1)
            for ref, line in zip(refs, [ANNA, BERT, CEES], strict=True)
        ),
    ]
    deliver(municipality, "debtors", lines, period=MAY)

    june = deliver(municipality, "debtors", lines)

    assert june.counts == {"new": 0, "changed": 0, "ended": 0, "unchanged": 3}
    assert sorted(Debtor.objects.for_municipality(municipality).values_list("debtor_ref", flat=True)) == [
        "D\x1f3",
        "D,2",
        "Ĳ-1",
    ]


def test_a_renamed_debtor_counts_as_changed_and_gets_the_new_name(municipality):
    deliver(municipality, "debtors", [HEADER, ANNA, BERT], period=MAY)

    before = identity_prints(municipality)
    june = deliver(municipality, "debtors", [HEADER, ANNA.replace("Jansen", "Janssen"), BERT], period=JUNE)

    assert june.counts == {"new": 0, "changed": 1, "ended": 0, "unchanged": 1}
    assert Debtor.objects.get(debtor_ref="D1").last_name == "Janssen"
    after = identity_prints(municipality)
    assert after["D2"] == before["D2"]
    assert None not in after.values()
    assert after["D1"] != before["D1"]


def test_snapshots_written_before_the_municipality_had_a_partition_move_into_it(municipality):
    deliver(municipality, "debtors", [HEADER, ANNA], period=MAY)
    partition = snapshot_partitions.municipality_partition(municipality.pk)
    with connection.cursor() as cursor:  # as for a municipality made before migration 0007
        cursor.execute(f"ALTER TABLE {snapshot_partitions.PARENT} DETACH PARTITION {partition}")
        cursor.execute(f"INSERT INTO {snapshot_partitions.PARENT} SELECT * FROM {partition}")
        cursor.execute(f"DROP TABLE {partition} CASCADE")

    june = deliver(municipality, "debtors", [HEADER, ANNA, BERT], period=JUNE)

    assert june.counts == {"new": 1, "changed": 0, "ended": 0, "unchanged": 1}
    assert sorted(DebtorSnapshot.objects.for_municipality(municipality).values_list("period", flat=True)) == [
        MAY,
        JUNE,
        JUNE,
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {snapshot_partitions.TOP_REST} WHERE municipality_id = %s",
            [municipality.pk],
        )
        assert cursor.fetchone()[0] == 0


JUNE_CHANGES = [HEADER, ANNA.replace("Jansen", "Janssen"), BERT.replace(",500,", ",450,"), CEES]


def recorded(statements: list[str]):
    def record(execute, sql, params, many, context):
        statements.append(str(sql))
        return execute(sql, params, many, context)

    return connection.execute_wrapper(record)  # this thread's connection only


@pytest.mark.django_db(transaction=True)
def test_changes_are_counted_from_the_fingerprints_and_the_index_is_built_on_a_second_connection(
    municipality,
):
    deliver(municipality, "debtors", [HEADER, ANNA, BERT], period=MAY)

    statements: list[str] = []
    with recorded(statements):
        june = deliver(municipality, "debtors", JUNE_CHANGES)

    assert june.counts == {"new": 1, "changed": 2, "ended": 0, "unchanged": 0}
    assert not [sql for sql in statements if "count(p.debtor_id)" in sql]  # no field-by-field count
    assert not [sql for sql in statements if "CREATE UNIQUE INDEX" in sql]  # built apart
    leaf = snapshot_partitions.leaf_name(june.pk)
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = %s", [leaf])
        assert [row[0].split(" USING ")[1] for row in cursor.fetchall()] == [
            "btree (debtor_id, period) WITH (fillfactor='100')"
        ]
    assert not table_exists(f"intake_staging_{june.pk}")
    kept = DeliveryFingerprints.objects.get(delivery=june)
    assert (kept.municipality_id, kept.period, len(kept.pairs)) == (municipality.pk, JUNE, 3 * 16)


def by_fields_and_by_prints(municipality, other_municipality, forget) -> tuple[Delivery, Delivery, list[str]]:
    """June's file after May's in two municipalities, one of them after `forget(municipality)`."""
    for each in (municipality, other_municipality):
        deliver(each, "debtors", [HEADER, ANNA, BERT], period=MAY)
    forget(municipality)
    statements: list[str] = []
    with recorded(statements):  # inside the test's transaction the count runs on this connection
        by_fields = deliver(municipality, "debtors", JUNE_CHANGES)
    return by_fields, deliver(other_municipality, "debtors", JUNE_CHANGES), statements


def test_a_month_before_without_fingerprints_is_compared_field_by_field(municipality, other_municipality):
    """A file imported before fingerprints were kept: the counts come from SQL, and agree."""
    by_fields, by_prints, statements = by_fields_and_by_prints(
        municipality,
        other_municipality,
        lambda each: DeliveryFingerprints.objects.filter(municipality=each).delete(),
    )

    assert by_fields.counts == by_prints.counts == {"new": 1, "changed": 2, "ended": 0, "unchanged": 0}
    assert [sql for sql in statements if "count(p.debtor_id)" in sql]


def test_a_month_before_with_rows_written_one_by_one_is_compared_field_by_field(
    municipality, other_municipality
):
    def write_one(each):
        DebtorSnapshot.objects.create(
            municipality=each,
            debtor=DebtorFactory(municipality=each, debtor_ref="D9", first_period=MAY),
            period=MAY,
            category="payer",
            claim_amount=1,
            house_number="1",
        )

    by_fields, by_prints, statements = by_fields_and_by_prints(municipality, other_municipality, write_one)

    assert [sql for sql in statements if "count(p.debtor_id)" in sql]  # May's fingerprints miss D9
    assert by_fields.counts == {"new": 1, "changed": 2, "ended": 1, "unchanged": 0}  # D9 is ended
    assert by_prints.counts == {"new": 1, "changed": 2, "ended": 0, "unchanged": 0}


@pytest.mark.parametrize("write", ["update", "delete"])
def test_any_other_write_of_a_municipalitys_snapshots_removes_its_fingerprints(
    municipality, other_municipality, write
):
    for each in (municipality, other_municipality):
        deliver(each, "debtors", [HEADER, ANNA, BERT], period=MAY)
    bert = DebtorSnapshot.objects.filter(municipality=municipality, debtor__debtor_ref="D2")

    if write == "update":
        bert.update(claim_amount=1)
    else:
        bert.delete()

    assert not DeliveryFingerprints.objects.filter(municipality=municipality).exists()
    assert DeliveryFingerprints.objects.filter(municipality=other_municipality).exists()


def test_a_month_before_with_a_row_deleted_one_by_one_is_compared_field_by_field(municipality):
    deliver(municipality, "debtors", [HEADER, ANNA, BERT], period=MAY)
    DebtorSnapshot.objects.filter(municipality=municipality, debtor__debtor_ref="D2").delete()

    june = deliver(municipality, "debtors", [HEADER, ANNA, BERT])

    assert june.counts == {"new": 1, "changed": 0, "ended": 0, "unchanged": 1}  # Bert has no May now


def test_a_debtor_written_one_by_one_in_the_month_before_is_not_counted_new(municipality):
    deliver(municipality, "debtors", [HEADER, ANNA], period=MAY)
    DebtorSnapshot.objects.create(  # Bert's May, by hand: May's fingerprints do not cover it
        municipality=municipality,
        debtor=DebtorFactory(municipality=municipality, debtor_ref="D2", bsn="012345672", initials="",
                             last_name="de Vries", birth_date=date(1975, 5, 5), first_period=MAY),
        period=MAY, category="non_payer", claim_amount=500, house_number="2", postcode="1234AB",
    )  # fmt: skip

    june = deliver(municipality, "debtors", [HEADER, ANNA, BERT])

    assert june.counts == {"new": 0, "changed": 0, "ended": 0, "unchanged": 2}


def identity_prints(municipality) -> dict[str, int | None]:
    return dict(
        Debtor.objects.for_municipality(municipality).values_list("debtor_ref", "identity_fingerprint")
    )


def test_each_imported_debtor_has_the_fingerprint_of_its_identity(municipality):
    import pyarrow as pa

    from intake import fingerprints
    from intake.debtor_fields import DEBTOR_FIELDS

    deliver(municipality, "debtors", [HEADER, ANNA, BERT], period=MAY)

    debtors = Debtor.objects.for_municipality(municipality).order_by("debtor_ref")
    table = pa.Table.from_pylist(list(debtors.values(*DEBTOR_FIELDS)))
    expected = fingerprints.row_fingerprints(table, DEBTOR_FIELDS).tolist()
    assert [debtor.identity_fingerprint for debtor in debtors] == expected


def test_an_identity_changed_outside_an_import_loses_its_fingerprint_and_the_next_file_restores_it(
    municipality,
):
    deliver(municipality, "debtors", [HEADER, ANNA, BERT], period=MAY)
    before = identity_prints(municipality)
    Debtor.objects.for_municipality(municipality).filter(debtor_ref="D1").update(last_name="Handwerk")
    assert identity_prints(municipality) == {"D1": None, "D2": before["D2"]}  # the trigger

    june = deliver(municipality, "debtors", [HEADER, ANNA, BERT])

    # The file's name equals the fingerprint once stored; without the trigger it would be trusted.
    assert Debtor.objects.get(municipality=municipality, debtor_ref="D1").last_name == "Jansen"
    assert identity_prints(municipality) == before
    assert june.counts == {"new": 0, "changed": 0, "ended": 0, "unchanged": 2}


def test_debtors_written_one_by_one_are_compared_field_by_field_and_get_their_fingerprint(municipality):
    DebtorFactory(municipality=municipality, debtor_ref="D1", bsn="111222333", initials="", prefix="",
                  last_name="Jansen", birth_date=date(1980, 2, 1), first_period=MAY)  # fmt: skip
    DebtorFactory(municipality=municipality, debtor_ref="D2", bsn="012345672", initials="", prefix="",
                  last_name="Anders", birth_date=date(1975, 5, 5), first_period=MAY)  # fmt: skip

    deliver(municipality, "debtors", [HEADER, ANNA, BERT])

    assert Debtor.objects.get(municipality=municipality, debtor_ref="D2").last_name == "de Vries"
    prints = identity_prints(municipality)
    assert None not in prints.values()
    deliver(municipality, "debtors", [HEADER, ANNA, BERT], period=JULY)
    assert identity_prints(municipality) == prints


def debtor_lines(first: int, count: int) -> list[str]:
    """Valid debtor rows D<first>.. with 11-proof BSNs."""
    lines = []
    for number in range(first, first + count):
        base = f"{number % 10_000_000:08d}"
        total = sum(int(digit) * weight for digit, weight in zip(base, range(9, 1, -1), strict=True))
        lines.append(f"D{number},{base}{total % 11},Naam,1980-01-01,1,1234AB,payer,10,")
    return [line for line in lines if len(line.split(",")[1]) == 9]  # a check digit of 10 has no BSN


@pytest.mark.parametrize("earlier", ["in_the_same_chunk", "in_an_earlier_chunk"])
@pytest.mark.parametrize("known", [True, False], ids=["known", "new"])
def test_a_repeated_debtor_is_reported_with_the_row_it_repeats(municipality, earlier, known):
    rows = debtor_lines(1, 10 if earlier == "in_the_same_chunk" else 100_010)
    if known:
        deliver(municipality, "debtors", [HEADER, *rows[:5]], period=MAY)
    repeated = rows[3].replace(",10,", ",99,")
    ref = rows[3].split(",")[0]

    delivery = deliver(municipality, "debtors", [HEADER, *rows, repeated])

    duplicate_row = len(rows) + 2
    assert (delivery.status, delivery.rows_rejected) == (Delivery.Status.ACCEPTED, 1)
    assert delivery.error_report.read().decode("utf-8-sig") == (
        f"Rij;Kolom;Waarde;Melding\r\n{duplicate_row};debtor_ref;{ref};"
        "Dubbele regel: dit debiteurnummer staat ook in rij 5.\r\n"
    )
    assert snapshot(municipality, JUNE, ref).claim_amount == Decimal("10.00")
    assert DebtorSnapshot.objects.for_municipality(municipality).filter(period=JUNE).count() == len(rows)
    assert parser_threads_end()  # the first attempt's parser stopped with it


@pytest.mark.django_db(transaction=True)
def test_a_file_of_several_chunks_arrives_whole_when_two_connections_copy_it(municipality):
    # Outside a transaction every other chunk is copied on a second connection.
    rows = debtor_lines(1, 100_010)  # two chunks
    deliver(municipality, "debtors", [HEADER, *rows], period=MAY)

    june = deliver(municipality, "debtors", [HEADER, *rows[:-1], rows[-1].replace(",10,", ",11,")])

    assert june.counts == {"new": 0, "changed": 1, "ended": 0, "unchanged": len(rows) - 1}
    assert DebtorSnapshot.objects.for_municipality(municipality).filter(period=JUNE).count() == len(rows)


def test_a_row_with_a_wrong_field_count_late_in_the_file_keeps_its_line_number(municipality, monkeypatch):
    # Arrow's threads split the file into rows but cannot number a bad row: the import reads the
    # file again without them. Small blocks, so the bad row comes after chunks were copied.
    monkeypatch.setattr(debtor_leaf, "CHUNK_ROWS", 1000)
    rows = debtor_lines(1, 60_000)
    line = len(rows) + 1  # the header is line 1
    rows[-1] += ",extra"

    delivery = deliver(municipality, "debtors", [HEADER, *rows])

    assert (delivery.status, delivery.rows_rejected) == (Delivery.Status.ACCEPTED, 1)
    report = delivery.error_report.read().decode("utf-8-sig").splitlines()
    assert report[1].startswith(f"{line};;")
    assert report[1].endswith(";Rij heeft 10 kolommen, verwacht 9.")
    assert DebtorSnapshot.objects.for_municipality(municipality).count() == len(rows) - 1


def test_debtor_statistics_that_count_far_too_few_are_renewed_before_the_merge_joins(municipality):
    # Nested-loop joins on statistics that take a million debtors for none never end.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE intake_debtor")  # no debtors yet
    rows = debtor_lines(1, 60)

    deliver(municipality, "debtors", [HEADER, *rows])

    assert debtor_leaf.planned_debtors(municipality.pk) >= len(rows) / 2


def test_statistics_that_miss_a_municipality_are_renewed_though_they_count_enough_debtors(
    municipality, other_municipality
):
    # Statistics of another municipality's debtors only: the table's row count looks right, but
    # the planner expects none of this municipality's (the ended-debtor update then ran for minutes).
    deliver(other_municipality, "debtors", [HEADER, *debtor_lines(1, 80)])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE intake_debtor")
    assert debtor_leaf.planned_debtors(municipality.pk) < 10
    rows = debtor_lines(1, 60)

    deliver(municipality, "debtors", [HEADER, *rows])

    assert debtor_leaf.planned_debtors(municipality.pk) >= len(rows) / 2


def parser_threads_end() -> bool:
    deadline = time.monotonic() + 2
    while any(thread.name == "intake-parser" for thread in threading.enumerate()):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_every_snapshot_field_arrives_unchanged_through_the_binary_copy(municipality):
    header = (
        "debtor_ref,bsn,last_name,birth_date,street,house_number,house_number_suffix,postcode,city,district,"
        "category,claim_amount,instalment,paid_last_month,known_income,household_type,known_seizure"
    )
    rows = [
        'D1,111222333,Jansen,1980-02-01,"Café ""De Ster"", hoek",007,bis,1234 ab,Ĳsselstein,Oost,'
        "payer,9999999999.99,0,0.5,1260.54,alleenstaand,ja",
        "D2,012345672,de Vries,1975-05-05,,12,,9999ZZ,,,vow,0,,,,,",
    ]

    deliver(municipality, "debtors", [header, *rows])

    fields = ["debtor__debtor_ref", "category", "claim_amount", "instalment", "paid_last_month", "known_income",
              "household_type", "known_seizure", "district", "street", "house_number", "house_number_suffix",
              "postcode", "city"]  # fmt: skip
    assert sorted(DebtorSnapshot.objects.for_municipality(municipality).values_list(*fields)) == [
        ("D1", "payer", Decimal("9999999999.99"), Decimal("0.00"), Decimal("0.50"), Decimal("1260.54"),
         "alleenstaand", True, "Oost", 'Café "De Ster", hoek', "7", "bis", "1234AB", "Ĳsselstein"),
        ("D2", "vow", Decimal("0.00"), None, None, None, "", False, "", "", "12", "", "9999ZZ", ""),
    ]  # fmt: skip
