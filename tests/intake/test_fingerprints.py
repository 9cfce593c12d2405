"""Fingerprints of texts and rows: stored with the snapshots, so they must never change."""

import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given
from hypothesis import strategies as st

from intake import fingerprints

NAMES = ["", "a", "Jansen", None, "é"]


def texts(values) -> list[int]:
    return [int(value) for value in fingerprints.text_fingerprints(pa.array(values, pa.string()))]


def test_text_fingerprints_are_the_ones_stored_by_earlier_releases():
    # Literal values: a change here would make every debtor look changed against the month before.
    assert [hex(value) for value in texts(NAMES)] == [
        "0xa5d5c4fa2aa7018b",
        "0xe075e54eb123d671",
        "0x78e75fbd41ad7527",
        "0x6a09e667f3bcc909",
        "0xa7c314628513d126",
    ]


def test_row_fingerprints_are_the_ones_stored_by_earlier_releases():
    table = pa.table(
        {
            "name": pa.array(["Jansen", None], pa.string()),
            "cents": pa.array([100, None], pa.int64()),
            "day": pa.array([0, 1], pa.int32()).cast(pa.date32()),
            "flag": pa.array([True, False]),
        }
    )

    assert fingerprints.row_fingerprints(table, ["name", "cents", "day", "flag"]).tolist() == [
        1477117531805480273,
        4568425075336075419,
    ]


def test_a_missing_value_differs_from_an_empty_text_and_from_zero():
    assert len(set(texts(["", None]))) == 2
    table = pa.table({"cents": pa.array([0, None], pa.int64())})
    first, second = fingerprints.row_fingerprints(table, ["cents"]).tolist()
    assert first != second


def test_the_order_of_the_bytes_and_of_the_columns_counts():
    assert texts(["ab"]) != texts(["ba"])
    table = pa.table({"x": pa.array(["a"]), "y": pa.array(["b"])})
    assert fingerprints.row_fingerprints(table, ["x", "y"]) != fingerprints.row_fingerprints(
        table, ["y", "x"]
    )


def test_a_text_has_one_fingerprint_wherever_it_lies():
    values = pa.array(["x" * (index % 7) + str(index) for index in range(200_000)])
    whole = fingerprints.text_fingerprints(values)  # longer than one block

    assert (fingerprints.text_fingerprints(values.slice(70_000, 5)) == whole[70_000:70_005]).all()
    assert (fingerprints.text_fingerprints(pc.dictionary_encode(values)) == whole).all()
    chunked = pa.chunked_array([values.slice(0, 3), values.slice(3, 4)])
    assert (fingerprints.text_fingerprints(chunked) == whole[:7]).all()


def test_a_row_fingerprint_is_the_sum_of_its_first_columns_and_the_rest():
    table = pa.table(
        {
            "bsn": pa.array(["111222333", "012345672"]),
            "last_name": pa.array(["Jansen", "de Vries"]),
            "cents": pa.array([100, None], pa.int64()),
        }
    )
    first = fingerprints.weighted_sum(table, ["bsn", "last_name"], distinct=("bsn",))
    rest = fingerprints.weighted_sum(table, ["cents"], start=2)

    whole = fingerprints.row_fingerprints(table, ["bsn", "last_name", "cents"])
    assert (fingerprints.finish(first + rest) == whole).all()
    # The `distinct` hint changes the speed only.
    assert (
        fingerprints.row_fingerprints(table, ["bsn", "last_name", "cents"], distinct=("last_name",)) == whole
    ).all()


@given(st.lists(st.text(max_size=12), min_size=1, max_size=40))
def test_equal_texts_have_equal_fingerprints_and_different_ones_differ(values):
    found = texts(values)
    by_text: dict[str, int] = {}
    for value, fingerprint in zip(values, found, strict=True):
        assert by_text.setdefault(value, fingerprint) == fingerprint
    assert len(set(by_text.values())) == len(by_text)
