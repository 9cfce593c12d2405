"""Duplicate keys across a whole file, found in bounded memory."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pyarrow as pa

from .layouts import BALANCES, INCOME, Layout, Message, RowError
from .validation import Chunk


class _SeenKeys:
    """Key hashes of earlier chunks, to find duplicates across a whole file in bounded memory."""

    def __init__(self) -> None:
        self.hashes: list[np.ndarray] = []
        self.rows: list[np.ndarray] = []

    def first_rows(self, hashes: np.ndarray) -> np.ndarray:
        """Return for each hash the row it was first seen in, or 0."""
        found = np.zeros(len(hashes), dtype=np.int64)
        for known, rows in zip(self.hashes, self.rows, strict=True):
            positions = np.searchsorted(known, hashes).clip(max=len(known) - 1)
            hit = (known[positions] == hashes) & (found == 0)
            found[hit] = rows[positions[hit]]
        return found

    def add(self, hashes: np.ndarray, rows: np.ndarray) -> None:
        if not len(hashes):
            return  # a chunk of duplicates only: an empty run would break the lookups
        order = np.argsort(hashes, kind="stable")
        self.hashes.append(hashes[order])
        self.rows.append(rows[order])
        if len(self.hashes) > 8:  # keep lookups cheap: merge the sorted runs now and then
            merged_hashes = np.concatenate(self.hashes)
            merged_rows = np.concatenate(self.rows)
            order = np.argsort(merged_hashes, kind="stable")
            self.hashes, self.rows = [merged_hashes[order]], [merged_rows[order]]


class _KeyCodes:
    """Exact 64-bit keys for the source-data kinds; a hash for free-text keys."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.source_codes: dict[str, int] = {}

    def __call__(self, table: pa.Table) -> np.ndarray:
        import pyarrow as pa
        import pyarrow.compute as pc

        if self.layout.kind in (INCOME, BALANCES):
            bsn = pc.cast(table["bsn"], pa.int64()).to_numpy()
            day_column = "period" if self.layout.kind == INCOME else "reference_date"
            days = table[day_column].cast(pa.int32()).to_numpy().astype(np.int64) + 100_000  # 2^18 > days
            codes = bsn << 18 | days
            if self.layout.kind == INCOME:
                sources = table["source_id"].combine_chunks()
                for source in pc.unique(sources).to_pylist():
                    self.source_codes.setdefault(source, len(self.source_codes) + 1)
                known = pa.array(list(self.source_codes))
                numbers = pc.index_in(sources, value_set=known).to_numpy()
                # bsn 30 bits, days 18 bits: the source number gets the other 15 bits, then wraps
                # into a hash-like mix; a false duplicate needs two equal mixes, which we accept.
                codes = codes ^ (numbers.astype(np.int64) * np.int64(0x9E3779B1) << 48)
            return codes.astype(np.int64)
        import pandas as pd

        keys = table.select(list(self.layout.key)).to_pandas()
        return pd.util.hash_pandas_object(keys, index=False).to_numpy().view(np.int64)


def _drop_duplicates(
    chunk: Chunk, *, layout: Layout, headers: dict[str, str], seen: _SeenKeys, codes: _KeyCodes
) -> Chunk:
    import pyarrow as pa

    if chunk.table.num_rows == 0:
        return chunk
    hashes = codes(chunk.table)
    rows = chunk.rows
    first_rows = seen.first_rows(hashes)
    order = np.argsort(hashes, kind="stable")  # rows ascend within a chunk, so first wins
    sorted_hashes = hashes[order]
    starts = np.r_[True, sorted_hashes[1:] != sorted_hashes[:-1]]
    group_first = np.maximum.accumulate(np.where(starts, np.arange(len(order)), 0))
    earlier_in_chunk = np.empty(len(order), dtype=np.int64)
    earlier_in_chunk[order] = np.where(starts, 0, rows[order][group_first])
    first_rows = np.where(first_rows > 0, first_rows, earlier_in_chunk)
    duplicate = first_rows > 0
    seen.add(hashes[~duplicate], rows[~duplicate])
    if not duplicate.any():
        return chunk
    column_name = layout.key[-1] if layout.kind == INCOME else layout.key[0]
    values = chunk.table[column_name].filter(pa.array(duplicate)).to_pylist()
    errors = [
        RowError(
            row=int(row),
            column=headers[column_name],
            value=str(value),
            message=Message.DUPLICATE.format(key=layout.key_label, row=int(first)),
        )
        for row, value, first in zip(rows[duplicate], values, first_rows[duplicate], strict=True)
    ]
    return Chunk(
        table=chunk.table.filter(pa.array(~duplicate)),
        rows=rows[~duplicate],
        errors=sorted([*chunk.errors, *errors], key=lambda error: error.row),
        rows_read=chunk.rows_read,
        rejected_refs=chunk.rejected_refs,
    )
