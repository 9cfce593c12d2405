"""Read a delivery file chunk by chunk: the entry point of the parsers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    pass

from .converters import _mask
from .duplicates import _drop_duplicates, _KeyCodes, _SeenKeys
from .layouts import (
    BALANCES,
    DEBTORS,
    DEFAULT_CHUNK_ROWS,
    INCOME,
    LAYOUTS,
    VEHICLES,
    Layout,
    Message,
    StructuralError,
    map_headers,
)
from .raw_chunks import RawChunk, _csv_chunks, _xlsx_chunks, file_headers, is_xlsx, sniff_csv
from .validation import Chunk, validate_chunk


def _check_period(chunk: Chunk, *, layout: Layout, period: date) -> None:
    """Reject the file when a row belongs to another period than the delivery (structural)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    first_day = pa.scalar(period.replace(day=1), pa.date32())
    if layout.kind in (DEBTORS, VEHICLES):
        column = "period"
        wrong = pc.not_equal(chunk.table[column], first_day)
    elif layout.kind == INCOME:
        column = "period"
        wrong = pc.greater(chunk.table[column], first_day)  # history may come along; the future may not
    else:
        column = "reference_date"
        next_month = date(period.year + period.month // 12, period.month % 12 + 1, 1)
        wrong = pc.greater_equal(chunk.table[column], pa.scalar(next_month, pa.date32()))
    mask = _mask(wrong)
    if mask.any():
        position = int(np.flatnonzero(mask)[0])
        value: date = chunk.table[column][position].as_py()
        shown = value.strftime("%Y-%m" if column == "period" else "%Y-%m-%d")
        raise StructuralError(
            Message.WRONG_PERIOD.format(
                row=int(chunk.rows[position]), value=shown, period=period.strftime("%Y-%m")
            )
        )


def read_delivery(
    path: Path | str,
    *,
    kind: str,
    period: date,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    check_duplicates: bool = True,
    threads: bool = False,
) -> Iterator[Chunk]:
    """Read a delivery file chunk by chunk; raise StructuralError when the file must be rejected.

    With `check_duplicates` off, rows with a key seen before are kept: the caller promises to find
    duplicate keys itself (a unique index) and to read the file again with the check on when it does.
    With `threads`, a CSV file is split into rows on Arrow's threads while a chunk is validated; a
    row with a wrong field count then raises NeedsLineNumbers, and the caller reads the file again
    without threads.
    """
    path = Path(path)
    layout = LAYOUTS[kind]
    seen = _SeenKeys()
    codes = _KeyCodes(layout)
    if is_xlsx(path):
        raw_chunks: Iterator[tuple[list[str], RawChunk]] = _xlsx_chunks(path, layout, chunk_rows)
    else:
        dialect, written = sniff_csv(path)
        names = map_headers(written, layout)
        chunk_bytes = max(1 << 16, chunk_rows * _BYTES_PER_ROW[kind])
        csv_chunks = _csv_chunks(path, dialect, names, chunk_bytes, threads=threads)
        raw_chunks = ((written, raw) for raw in csv_chunks)
    rows_seen = 0
    for chunk_headers, raw in raw_chunks:
        headers = _headers(chunk_headers, layout)
        chunk = validate_chunk(raw, layout=layout, headers=headers)
        chunk.errors = sorted([*raw.errors, *chunk.errors], key=lambda error: error.row)
        _check_period(chunk, layout=layout, period=period)
        if check_duplicates:
            chunk = _drop_duplicates(chunk, layout=layout, headers=headers, seen=seen, codes=codes)
        rows_seen += chunk.rows_read
        yield chunk
    if rows_seen == 0:
        raise StructuralError(Message.NO_ROWS)


def column_headers(path: Path | str, *, kind: str) -> dict[str, str]:
    """Each canonical column's header as the file writes it, as row errors name it."""
    return _headers(file_headers(Path(path)), LAYOUTS[kind])


def _headers(written: list[str], layout: Layout) -> dict[str, str]:
    names = map_headers(written, layout)
    return dict(zip(names, [header.strip() for header in written], strict=True))


_BYTES_PER_ROW = {DEBTORS: 160, INCOME: 60, BALANCES: 30, VEHICLES: 40}
