"""A debtor file's snapshot rows as binary COPY tuples for its leaf (see copy_binary)."""

from __future__ import annotations

from typing import Any

import numpy as np
from django.db.backends.base.base import BaseDatabaseWrapper

from . import copy_binary, snapshot_partitions
from .debtor_fields import MONEY_FIELDS, SNAPSHOT_FIELDS

COLUMNS = ("id", "debtor_id", *SNAPSHOT_FIELDS)  # the COPY column list, in the order of the tuples

# The leading fields of a snapshot row, of fixed width: the field count, the id, the debtor id.
_LEADING = np.dtype(
    [("fields", ">i2"), ("id_size", ">i4"), ("id", ">i8"), ("debtor_size", ">i4"), ("debtor_id", ">i8")]
)


def _leading_template() -> np.ndarray:
    row = np.zeros(1, dtype=_LEADING)
    row["fields"] = len(COLUMNS)
    row["id_size"], row["debtor_size"] = 8, 8
    return row


_LEADING_TEMPLATE = _leading_template()


def snapshot_tuples(table: Any, *, delivery_id: int, rows: np.ndarray, debtor_ids: np.ndarray) -> memoryview:
    """A chunk's snapshot rows, back to back; a row's id is its delivery and its file row."""
    import pyarrow as pa
    import pyarrow.compute as pc

    count = table.num_rows
    leading = np.repeat(_LEADING_TEMPLATE, count)
    leading["id"] = (np.int64(delivery_id) << snapshot_partitions.ROW_BITS) | rows.astype(np.int64)
    leading["debtor_id"] = debtor_ids
    parts = [copy_binary.fixed_width(leading.view(np.uint8), _LEADING.itemsize, count)]
    for name in SNAPSHOT_FIELDS:
        values = table[name]
        if name in MONEY_FIELDS:
            parts += copy_binary.numeric_field(values)
        elif name == "known_seizure":
            parts += copy_binary.bool_field(pc.fill_null(values, False).to_numpy(zero_copy_only=False))
        else:  # text; the house number is read as a number, the household may be left empty
            text = pc.cast(values, pa.string()) if name == "house_number" else values
            parts += copy_binary.text_field(pc.fill_null(text, ""))
    return copy_binary.rows(parts, count)


def copy_tuples(on: BaseDatabaseWrapper, table: str, body: memoryview) -> None:
    copy_binary.copy_into(on, table, COLUMNS, body)
