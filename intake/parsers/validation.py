"""Validation of one chunk: convert every column, keep the valid rows, report the others."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

from .converters import CONVERTERS, Problems, _filled, arrow_type, trim
from .layouts import DEBTORS, Column, Layout, Message, RowError
from .raw_chunks import RawChunk


@dataclass
class Chunk:
    """Valid rows in canonical form, with the errors of the rows left out."""

    table: pa.Table  # typed: str, int64 cents, date32, bool; every column of the layout
    rows: np.ndarray  # file row number of each valid row
    errors: list[RowError]
    rows_read: int  # valid or not
    rejected_refs: list[str] = field(default_factory=list)  # debtor files: refs of rejected rows

    @property
    def frame(self) -> pd.DataFrame:
        frame = self.table.to_pandas()
        frame.index = self.rows
        return frame


def validate_chunk(raw: RawChunk, *, layout: Layout, headers: dict[str, str]) -> Chunk:
    """Convert every column of a raw chunk; keep the valid rows and report the others."""
    import pyarrow as pa
    import pyarrow.compute as pc

    count = raw.table.num_rows
    converted: dict[str, pa.Array] = {}
    bad_rows = np.zeros(count, dtype=bool)
    found: list[tuple[np.ndarray, str, pa.ChunkedArray, str]] = []
    for column in layout.columns:
        if column.name not in raw.table.column_names:
            converted[column.name] = _absent(column, count)
            continue
        original = raw.table[column.name].combine_chunks()
        values = trim(original)
        result, problems = _convert(values, column)
        filled = _filled(values)
        if column.required:
            problems = [(~filled, Message.REQUIRED), *problems]
        for mask, message in problems:
            if mask.any():
                bad_rows |= mask
                found.append((mask, headers[column.name], original, message))
        if column.type not in ("text", "bsn", "flag") and not filled.all():
            result = pc.if_else(pa.array(~filled), pa.scalar(None, arrow_type(column)), result)
        converted[column.name] = result
    errors = [
        RowError(row=int(row), column=header, value=value, message=message)
        for mask, header, original, message in found
        for row, value in zip(raw.rows[mask], original.filter(pa.array(mask)).to_pylist(), strict=True)
    ]
    errors.sort(key=lambda error: error.row)  # stable: within a row, columns keep file order
    keep = ~bad_rows
    table = pa.table(converted).filter(pa.array(keep)) if bad_rows.any() else pa.table(converted)
    rejected_refs: list[str] = []
    if layout.kind == DEBTORS and bad_rows.any():
        refs = pc.utf8_trim_whitespace(raw.table["debtor_ref"].combine_chunks()).filter(pa.array(bad_rows))
        rejected_refs = [ref for ref in refs.to_pylist() if ref and "\x00" not in ref]  # never a stored ref
    return Chunk(
        table=table,
        rows=raw.rows[keep],
        errors=errors,
        rows_read=count + len(raw.errors),
        rejected_refs=rejected_refs,
    )


# Columns with few distinct values (a period, a category, a birth date): convert each distinct
# value once and spread the outcome, instead of running every kernel over every row.
_FEW_VALUES = frozenset({"date", "period", "category", "household", "flag", "income_kind", "amount"})


def _convert(values: pa.Array, column: Column) -> tuple[pa.Array, Problems]:
    import pyarrow.compute as pc

    # Many distinct values among the first thousand (a claim): a dictionary would cost more.
    if column.type not in _FEW_VALUES or len(values) < 1000 or len(pc.unique(values.slice(0, 1000))) > 250:
        return CONVERTERS[column.type](values, column)
    encoded = pc.dictionary_encode(values)
    distinct, positions = encoded.dictionary, encoded.indices.to_numpy()
    if len(distinct) * 4 > len(values):
        return CONVERTERS[column.type](values, column)
    result, problems = CONVERTERS[column.type](distinct, column)
    return result.take(encoded.indices), [(mask[positions], message) for mask, message in problems]


def _absent(column: Column, count: int) -> pa.Array:
    """An optional column left out of the file reads as empty everywhere."""
    import pyarrow as pa

    if column.type == "text":
        return pa.array([""] * count, type=pa.string())
    if column.type == "flag":
        return pa.array(np.zeros(count, dtype=bool))
    return pa.nulls(count, type=arrow_type(column))
