"""Income rows as binary COPY tuples (see copy_binary), split over the two halves of a leaf.

An income leaf is split by the last digit of the BSN (see partitions.INCOME): the rows of a
person are always in one half, so each half's unique index finds every repeated key, and the two
indexes are built at the same time, on two connections. The last digit of a valid BSN is spread
evenly whatever the order or range of the file, so the halves are about equally large.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from django.db.backends.base.base import BaseDatabaseWrapper

from . import copy_binary, parsers, partitions
from .parsers.converters import string_bytes, string_lengths

COPY_COLUMNS = ("id", "bsn", "period", "amount", "income_kind", "source_id", "source_name")
FIRST_HIGH_DIGIT = partitions.HIGH_HALF_FROM.encode()  # a BSN ending in it or higher: the high half

# Each row starts with the fields of fixed width, as big-endian numbers: the field count; the id;
# the BSN (always nine digits once valid); the period; the amount as a numeric of five base-10000
# digits, the last one the cents (PostgreSQL normalises and checks it against numeric(12, 2)).
_FIXED = np.dtype(
    [
        ("fields", ">i2"),
        ("id_size", ">i4"),
        ("id", ">i8"),
        ("bsn_size", ">i4"),
        ("bsn", "S9"),
        ("period_size", ">i4"),
        ("period", ">i4"),
        ("amount_size", ">i4"),
        ("ndigits", ">i2"),
        ("weight", ">i2"),
        ("sign", ">u2"),
        ("dscale", ">i2"),
        ("digits", ">i2", (5,)),
    ]
)


def _template() -> np.ndarray:
    """The fields of a fixed part that are the same in every row."""
    row = np.zeros(1, dtype=_FIXED)
    row["fields"] = len(COPY_COLUMNS)
    row["id_size"], row["bsn_size"], row["period_size"] = 8, 9, 4
    row["amount_size"] = _FIXED.itemsize - _FIXED.fields["amount_size"][1] - 4
    row["ndigits"], row["weight"], row["dscale"] = 5, 3, 2
    return row


_TEMPLATE = _template()


@dataclass
class EncodedChunk(parsers.Chunk):
    """A chunk with its COPY data per half, encoded in the parser's thread: the main thread only
    sends it, so PostgreSQL does not wait while the next chunk is encoded."""

    bodies: dict[str, memoryview] = field(default_factory=dict)
    periods: set[date] = field(default_factory=set)


def encode(chunk: parsers.Chunk, ids: np.ndarray) -> EncodedChunk:
    import pyarrow as pa
    import pyarrow.compute as pc

    table = chunk.table
    tuples = binary_rows(table, ids)
    bsn = string_bytes(table["bsn"].combine_chunks()).reshape(-1, 9) if table.num_rows else None
    high = bsn[:, 8] >= FIRST_HIGH_DIGIT[0] if bsn is not None else np.zeros(0, dtype=bool)
    bodies = {
        half: copy_binary.body(tuples.filter(pa.array(mask)))
        for half, mask in (("low", ~high), ("high", high))
        if mask.any()
    }
    return EncodedChunk(
        table=table,
        rows=chunk.rows,
        errors=chunk.errors,
        rows_read=chunk.rows_read,
        rejected_refs=chunk.rejected_refs,
        bodies=bodies,
        periods=set(pc.unique(table["period"]).to_pylist()),
    )


def binary_rows(table: Any, ids: np.ndarray) -> Any:
    """The rows of a chunk of valid income rows as binary COPY tuples (a binary array)."""
    import pyarrow as pa

    count = table.num_rows
    fixed = np.repeat(_TEMPLATE, count)
    fixed["id"] = ids
    bsn = table["bsn"].combine_chunks()
    if not (string_lengths(bsn) == 9).all():
        raise ValueError("a valid BSN has nine digits")
    fixed["bsn"] = string_bytes(bsn).view("S9")
    fixed["period"] = (
        table["period"].combine_chunks().cast(pa.int32()).to_numpy() - copy_binary.POSTGRES_EPOCH
    )
    cents = table["amount"].combine_chunks().to_numpy()
    fixed["sign"] = np.where(cents < 0, 0x4000, 0)
    # Base-10000 digits, the last one the cents times a hundred.
    whole, fraction = np.divmod(np.abs(cents), 100)
    digits = fixed["digits"]
    digits[:, 4] = fraction * 100
    for place in (3, 2, 1):
        whole, digits[:, place] = np.divmod(whole, 10_000)
    digits[:, 0] = whole
    parts = [copy_binary.fixed_width(fixed.view(np.uint8), _FIXED.itemsize, count)]
    # The texts repeat a few values (sources, kinds): each is encoded once, then taken per row.
    parts += [copy_binary.repeated_text_field(table[name]) for name in COPY_COLUMNS[4:]]
    return copy_binary.joined_rows(parts)


def copy_rows(on: BaseDatabaseWrapper, table: str, body: memoryview) -> None:
    copy_binary.copy_into(on, table, COPY_COLUMNS, body)
