"""The copy of a municipality's debtors that a debtor import leaves for the next (PostgreSQL)."""

from datetime import date

import numpy as np
import pytest
from django.db import connection, transaction

from intake import known_copy, known_debtors, services
from intake.merges import MERGES, staging_for
from intake.models import Debtor, DebtorWrites, Delivery, KnownDebtorsCopy
from tenancy.services import create_municipality
from tests.intake.factories import DebtorFactory
from tests.intake.test_services import ANNA, BERT, CEES, HEADER, deliver
from tests.intake.test_snapshot_partitions import debtor_lines

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the copy is made on PostgreSQL only"),
]

MAY, JUNE, JULY, AUGUST = date(2026, 5, 1), date(2026, 6, 1), date(2026, 7, 1), date(2026, 8, 1)
ANNA_RENAMED = ANNA.replace("Jansen", "Jansen-Smit")
BERT_BAD_ROW = BERT.replace("1975-05-05", "05-13-1975")


def from_table(municipality) -> known_copy.Debtors:
    return known_debtors._read_known(connection, {"m": municipality.pk})


def as_rows(debtors: known_copy.Debtors) -> list[tuple]:
    """The debtors as comparable rows, by id."""
    refs = debtors.refs.to_pylist()
    columns = (debtors.identity_prints, debtors.first_days, debtors.is_ended, debtors.has_identity_print)
    return sorted(
        (int(debtors.ids[at]), refs[at], *(column[at].item() for column in columns))
        for at in range(len(debtors.ids))
    )


def assert_copy_is_the_table(municipality) -> None:
    copy = known_copy.read(connection, municipality.pk)
    assert copy is not None, "no current copy"
    table = from_table(municipality)
    assert as_rows(copy) == as_rows(table)
    assert copy.writes == table.writes


def test_each_import_leaves_a_copy_equal_to_the_debtors_it_leaves(municipality):
    # New, renamed, ended, back, a rejected row (not ended), an older month (first period earlier),
    # and a debtor written one by one (no fingerprint) that a file then names.
    DebtorFactory(municipality=municipality, debtor_ref="D9", bsn="123456782", first_period=JUNE)
    steps = [
        (JUNE, [ANNA, BERT, "D9,123456782,Kanarie,1980-02-01,9,1234AB,payer,1,"]),
        (JULY, [ANNA_RENAMED, CEES]),  # Bert and D9 end, Cees is new
        (AUGUST, [ANNA_RENAMED, BERT, BERT_BAD_ROW.replace("D2", "D3")]),  # Bert back, Cees's row rejected
        (MAY, [ANNA, BERT, "D7,000000078,Nieuw,1970-01-01,7,1234AB,payer,1,"]),  # an older month
    ]
    deliveries = []
    for period, rows in steps:
        deliveries.append(deliver(municipality, "debtors", [HEADER, *rows], period=period))
        assert deliveries[-1].status == Delivery.Status.ACCEPTED, deliveries[-1].message
        if len(deliveries) > 1:  # the first import found no write count (made by its merge)
            assert_copy_is_the_table(municipality)

    assert Debtor.objects.get(municipality=municipality, debtor_ref="D3").ended_period is None
    assert Debtor.objects.get(municipality=municipality, debtor_ref="D1").first_period == MAY
    copies = KnownDebtorsCopy.objects.filter(municipality=municipality)
    assert list(copies.values_list("delivery", flat=True)) == [deliveries[-1].pk]  # older ones go


def test_an_import_that_finds_a_current_copy_counts_and_leaves_one_as_from_the_table(municipality):
    deliver(municipality, "debtors", [HEADER, ANNA, BERT], period=MAY)
    deliver(municipality, "debtors", [HEADER, ANNA, BERT, CEES], period=JUNE)
    assert known_copy.read(connection, municipality.pk) is not None

    july = deliver(municipality, "debtors", [HEADER, ANNA_RENAMED, CEES], period=JULY)

    assert july.counts == {"new": 0, "changed": 1, "ended": 1, "unchanged": 1}
    assert_copy_is_the_table(municipality)


@pytest.mark.parametrize("write", ["insert", "update", "delete"])
def test_any_other_write_of_the_debtors_makes_the_copy_out_of_date(municipality, other_municipality, write):
    for month in (MAY, JUNE):
        deliver(municipality, "debtors", [HEADER, ANNA, BERT], period=month)
        deliver(other_municipality, "debtors", [HEADER, ANNA, BERT], period=month)
    debtors = Debtor.objects.filter(municipality=municipality, debtor_ref="D2")
    {
        "insert": lambda: DebtorFactory(municipality=municipality),
        "update": lambda: debtors.update(last_name="Anders"),
        "delete": lambda: debtors.delete(),
    }[write]()

    assert known_copy.read(connection, municipality.pk) is None
    assert known_copy.read(connection, other_municipality.pk) is not None  # not written


@pytest.mark.django_db(transaction=True)  # pending deferred checks of a test transaction forbid TRUNCATE
def test_a_truncated_debtor_table_makes_every_copy_out_of_date(municipality):
    for month in (MAY, JUNE):
        deliver(municipality, "debtors", [HEADER, ANNA], period=month)
    counted = DebtorWrites.objects.get(municipality=municipality).count
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE intake_debtor CASCADE")

    assert DebtorWrites.objects.get(municipality=municipality).count > counted
    assert known_copy.read(connection, municipality.pk) is None


def test_a_write_between_the_read_and_the_merge_keeps_the_copy_out(municipality):
    for month in (MAY, JUNE):
        deliver(municipality, "debtors", [HEADER, ANNA, BERT], period=month)
    delivery = services.receive_delivery(
        municipality=municipality,
        kind="debtors",
        period=JULY,
        file=csv_file([HEADER, ANNA, CEES]),
        enqueue=False,
    )
    staging = staging_for(delivery)
    staging.create()
    with services.local_copy(delivery) as path:
        staged = staging.load(path, errors=[])  # reads the debtors (from the copy)
    DebtorFactory(municipality=municipality, debtor_ref="D8")  # meanwhile, one by one

    with transaction.atomic():
        MERGES["debtors"](staging, delivery)
    staging.drop()

    assert staged.rows_valid == 2
    assert known_copy.read(connection, municipality.pk) is None
    assert not KnownDebtorsCopy.objects.filter(delivery=delivery).exists()
    assert set(Debtor.objects.filter(municipality=municipality).values_list("debtor_ref", flat=True)) == {
        "D1", "D2", "D3", "D8",
    }  # fmt: skip


def test_a_rejected_import_leaves_no_copy_and_the_last_one_current(municipality):
    for month in (MAY, JUNE):
        deliver(municipality, "debtors", [HEADER, ANNA, BERT], period=month)
    current = known_copy.read(connection, municipality.pk)

    rejected = deliver(municipality, "debtors", [HEADER, ANNA, BERT_BAD_ROW], period=JULY, strict=True)

    assert rejected.status == Delivery.Status.REJECTED
    assert not KnownDebtorsCopy.objects.filter(delivery=rejected).exists()
    assert as_rows(known_copy.read(connection, municipality.pk)) == as_rows(current)


def test_a_copy_of_many_debtors_over_several_chunks_is_the_table(municipality, monkeypatch):
    from intake import debtor_leaf

    monkeypatch.setattr(debtor_leaf, "CHUNK_ROWS", 1000)
    deliver(municipality, "debtors", [HEADER, *debtor_lines(1, 3000)], period=MAY)
    deliver(municipality, "debtors", [HEADER, *debtor_lines(500, 3000)], period=JUNE)

    deliver(municipality, "debtors", [HEADER, *debtor_lines(1000, 3000)], period=JULY)

    assert_copy_is_the_table(municipality)
    assert np.count_nonzero(from_table(municipality).is_ended) > 900


def test_a_new_municipality_counts_its_debtor_writes_from_the_start():
    municipality = create_municipality(code="8999", name="Nieuwdorp")
    DebtorFactory(municipality=municipality)
    DebtorFactory(municipality=municipality)

    assert DebtorWrites.objects.get(municipality=municipality).count == 2


def csv_file(lines: list[str]):
    from django.core.files.base import ContentFile

    return ContentFile("\n".join(lines).encode(), name="debtors.csv")


def month_of_small_changes(number: int) -> list[str]:
    """Forty debtors less one (ended; last month's is back), one renamed, and one new."""
    rows = debtor_lines(1, 40)
    rows[20 + number] = rows[20 + number].replace(",Naam,", f",Naam{number},")
    del rows[number]
    return [HEADER, *rows, *debtor_lines(100 + number, 1)]


def test_the_copy_is_a_chain_of_changes_that_starts_again_when_long(municipality, monkeypatch):
    monkeypatch.setattr(known_copy, "MAX_CHAIN", 3)
    chains = []
    for number in range(7):
        deliver(municipality, "debtors", month_of_small_changes(number), period=date(2026, number + 1, 1))
        if number:
            assert_copy_is_the_table(municipality)
            copies = KnownDebtorsCopy.objects.filter(municipality=municipality).order_by("sequence")
            chains.append([copy.sequence for copy in copies])

    # The first import made the count, the second the first base; then changes up to MAX_CHAIN.
    assert chains == [[0], [0, 1], [0, 1, 2], [0], [0, 1], [0, 1, 2]]


def test_a_copy_never_registered_goes_when_the_next_is(municipality):
    for number in range(3):
        deliver(municipality, "debtors", month_of_small_changes(number), period=date(2026, number + 1, 1))
    current = known_copy.read(connection, municipality.pk)
    # A killed import's copy, stored but never registered, at the next place in the chain.
    nothing = np.zeros(0, dtype=np.int64)
    killed = services.receive_delivery(
        municipality=municipality, kind="debtors", period=AUGUST, file=csv_file([HEADER, ANNA]), enqueue=False
    )
    known_copy.store(
        connection,
        delivery=killed,
        before=current,
        change=known_copy.Change(positions=nothing, records=current.take(nothing)),
    )

    deliver(municipality, "debtors", month_of_small_changes(3), period=date(2026, 4, 1))

    assert not KnownDebtorsCopy.objects.filter(delivery=killed).exists()
    assert_copy_is_the_table(municipality)


def test_a_large_change_starts_a_new_chain(municipality):
    for month in (MAY, JUNE, JULY):
        deliver(municipality, "debtors", [HEADER, *debtor_lines(1, 50)], period=month)
    assert sorted(KnownDebtorsCopy.objects.filter(municipality=municipality).values_list("sequence", flat=True)) == [
        0, 1,
    ]  # fmt: skip

    august = deliver(municipality, "debtors", [HEADER, *debtor_lines(100, 50)], period=AUGUST)  # all new

    copies = KnownDebtorsCopy.objects.filter(municipality=municipality)
    assert list(copies.values_list("delivery", "sequence")) == [(august.pk, 0)]
    assert_copy_is_the_table(municipality)
