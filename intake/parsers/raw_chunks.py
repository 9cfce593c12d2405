"""Reading raw text chunks (every value a str, "" for empty) from CSV or XLSX."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pyarrow as pa

from .layouts import Layout, Message, RowError, StructuralError, map_headers


@dataclass(frozen=True)
class CsvDialect:
    encoding: str  # "utf8" (with or without BOM) or "cp1252"
    delimiter: str


def sniff_csv(path: Path) -> tuple[CsvDialect, list[str]]:
    """Find the encoding and delimiter of a CSV file and return its header cells."""
    encoding = "utf8" if _is_utf8(path) else "cp1252"  # "utf8" exactly: pyarrow decodes it natively
    with path.open("rb") as handle:
        first_line = handle.readline(1 << 20)
    text = first_line.decode(encoding, errors="replace").lstrip("\ufeff").rstrip("\r\n")
    if not text.strip():
        raise StructuralError(Message.EMPTY)
    delimiter = ";" if text.count(";") > text.count(",") else ","
    try:
        headers = next(csv.reader([text], delimiter=delimiter))
    except csv.Error as error:  # e.g. a lone carriage return inside the header line
        raise StructuralError(Message.UNREADABLE.format(reason=error)) from error
    return CsvDialect(encoding, delimiter), headers


def _is_utf8(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        try:
            while block := handle.read(1 << 22):
                if block.isascii() and not decoder.getstate()[0]:
                    continue  # ASCII is UTF-8, and no sequence of the previous block awaits its end
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


XLSX_SIGNATURE = b"PK\x03\x04"  # an XLSX file is a zip archive


def is_xlsx(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(4) == XLSX_SIGNATURE


@dataclass
class RawChunk:
    table: pa.Table  # canonical column names, every value a string ("" when empty)
    rows: np.ndarray  # file row number of each table row
    errors: list[RowError] = field(default_factory=list)  # rows that could not even be split


class NeedsLineNumbers(Exception):
    """A row has a wrong field count, and Arrow's threads could not say on which line: read the
    file again without them (see _csv_chunks)."""


def _csv_chunks(
    path: Path, dialect: CsvDialect, names: list[str], chunk_bytes: int, *, threads: bool = False
) -> Iterator[RawChunk]:
    """The file's rows in chunks of strings. With `threads`, Arrow parses the next blocks on its own
    threads while the caller validates a chunk, but cannot number a row with a wrong field count:
    then NeedsLineNumbers is raised, and the caller reads the file again without threads."""
    import pyarrow as pa
    from pyarrow import csv as pa_csv

    pending: list[RowError] = []
    unnumbered = False

    def invalid_row(row: pa_csv.InvalidRow) -> str:
        nonlocal unnumbered
        if row.number is None:
            unnumbered = True
            return "error"
        pending.append(
            RowError(
                row=row.number,  # pyarrow counts file lines, the header included
                column="",
                value=(row.text or "")[:200],
                message=Message.FIELD_COUNT.format(actual=row.actual_columns, expected=row.expected_columns),
            )
        )
        return "skip"

    try:
        reader = pa_csv.open_csv(
            path,
            read_options=pa_csv.ReadOptions(
                column_names=names,
                skip_rows=1,
                block_size=chunk_bytes,
                encoding=dialect.encoding,
                use_threads=threads,
            ),
            parse_options=pa_csv.ParseOptions(
                delimiter=dialect.delimiter,
                newlines_in_values=True,
                ignore_empty_lines=False,
                invalid_row_handler=invalid_row,
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                # sniff_csv read the whole file as UTF-8 already (or else it is transcoded from
                # cp1252): checking every value again cost a seventh of the read.
                check_utf8=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as error:
        if unnumbered:
            raise NeedsLineNumbers from error
        raise StructuralError(Message.UNREADABLE.format(reason=error)) from error
    next_row = 2
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            break
        except (pa.ArrowInvalid, UnicodeDecodeError) as error:
            if unnumbered:
                raise NeedsLineNumbers from error
            raise StructuralError(Message.UNREADABLE.format(reason=error)) from error
        # The reader parses ahead: `pending` may hold bad rows of the next blocks too. The batch's
        # rows and the bad rows among them fill a span of file rows from next_row on.
        pending.sort(key=lambda error: error.row)
        taken = 0
        while taken < len(pending) and pending[taken].row < next_row + batch.num_rows + taken:
            taken += 1
        errors, pending[:] = pending[:taken], pending[taken:]
        skipped = np.array([error.row for error in errors], dtype=np.int64)
        span = np.arange(next_row, next_row + batch.num_rows + len(skipped))
        rows = np.setdiff1d(span, skipped, assume_unique=True) if len(skipped) else span
        table = pa.Table.from_batches([batch])
        empty = _empty_rows(table)
        if empty is not None:
            table, rows = table.filter(pa.array(~empty)), rows[~empty]
        next_row = int(span[-1]) + 1 if len(span) else next_row
        yield RawChunk(table=table, rows=rows, errors=errors)
    if pending:  # bad rows after the last good one
        empty_table = pa.table({name: pa.array([], type=pa.string()) for name in names})
        yield RawChunk(table=empty_table, rows=np.zeros(0, dtype=np.int64), errors=list(pending))


def _empty_rows(table: pa.Table) -> np.ndarray | None:
    """Blank lines (kept so row numbers stay right) carry no data; None when there are none."""
    empty: np.ndarray | None = None
    for column in table.columns:
        lengths = np.concatenate([_lengths(chunk) for chunk in column.chunks]) if column.num_chunks else None
        if lengths is None:
            return None
        blank = lengths == 0
        empty = blank if empty is None else empty & blank
        if not empty.any():
            return None  # the usual case: the first column is filled on every line
    return empty


def _lengths(values: pa.Array) -> np.ndarray:
    """Byte length of each string, straight from the offsets buffer (no kernel, no copy)."""
    import pyarrow as pa

    offset_type = np.int64 if pa.types.is_large_string(values.type) else np.int32
    offsets = np.frombuffer(values.buffers()[1], dtype=offset_type)[
        values.offset : values.offset + len(values) + 1
    ]
    return np.diff(offsets)


def _xlsx_rows(path: Path) -> tuple[Iterator[list[object]], list[str]]:
    """The rows of a workbook's first sheet after the header, and the header cells."""
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        rows = workbook.get_sheet_by_index(0).iter_rows()
        headers = [_cell_text(cell) for cell in next(rows, [])]
    except (CalamineError, ValueError, OSError) as error:
        raise StructuralError(Message.UNREADABLE.format(reason=error)) from error
    while headers and headers[-1] == "":
        headers.pop()  # trailing empty cells of a sheet wider than its table
    return rows, headers


def file_headers(path: Path) -> list[str]:
    """The header cells of a CSV or XLSX file, as written."""
    return _xlsx_rows(path)[1] if is_xlsx(path) else sniff_csv(path)[1]


def _xlsx_chunks(path: Path, layout: Layout, chunk_rows: int) -> Iterator[tuple[list[str], RawChunk]]:
    import pyarrow as pa

    rows, headers = _xlsx_rows(path)
    names = map_headers(headers, layout)
    width = len(names)
    buffer: list[list[str]] = []
    numbers: list[int] = []

    def flush() -> RawChunk:
        columns = list(zip(*buffer, strict=True))
        table = pa.table({name: pa.array(columns[i], type=pa.string()) for i, name in enumerate(names)})
        return RawChunk(table=table, rows=np.array(numbers, dtype=np.int64))

    for row_number, cells in enumerate(rows, start=2):
        texts = [_cell_text(cell) for cell in cells[:width]]
        if not any(texts):
            continue  # empty lines inside a sheet are layout, not data
        texts += [""] * (width - len(texts))
        buffer.append(texts)
        numbers.append(row_number)
        if len(buffer) >= chunk_rows:
            yield headers, flush()
            buffer, numbers = [], []
    if buffer:
        yield headers, flush()


def _cell_text(cell: object) -> str:
    """Turn a spreadsheet cell into the text a CSV would have carried."""
    from datetime import datetime

    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "ja" if cell else "nee"
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() else repr(cell)
    if isinstance(cell, datetime):
        return cell.date().isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    return str(cell).strip()
