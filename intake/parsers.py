"""Read and validate delivery files (domain.md section 3): the only module that uses pandas.

A file is read in chunks so a debtor file of a million rows or an income file of five million
rows never sits in memory whole. Every chunk comes back as a frame of valid rows in canonical
columns (amounts as integer cents, dates as ``datetime64``) plus the row errors found in it.
Problems with the file as a whole raise :class:`StructuralError`: the delivery is rejected.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError
from stdnum.nl import bsn as stdnum_bsn

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

DEBTORS = "debtors"
INCOME = "income"
BALANCES = "balances"
VEHICLES = "vehicles"
KINDS = (DEBTORS, INCOME, BALANCES, VEHICLES)

DEFAULT_CHUNK_ROWS = 200_000
# Detailed row errors kept per file; beyond this only the count grows, so a file of garbage
# cannot exhaust memory. The report says how many were left out.
MAX_DETAILED_ERRORS = 100_000


class Message:
    """The exact Dutch texts of the error report (shown to municipal staff)."""

    REQUIRED = "Verplicht veld is leeg."
    TOO_LONG = "Waarde is te lang: hoogstens {max_length} tekens."
    CONTROL = "Waarde bevat een onzichtbaar stuurteken (NUL); dat kan niet worden opgeslagen."
    BSN_FORMAT = "Ongeldig BSN: alleen cijfers toegestaan."
    BSN_LENGTH = "Ongeldig BSN: een BSN heeft 9 cijfers."
    BSN_CHECKSUM = "Ongeldig BSN: voldoet niet aan de elfproef."
    DATE = "Ongeldige datum: gebruik JJJJ-MM-DD of DD-MM-JJJJ."
    PERIOD = "Ongeldige periode: gebruik JJJJ-MM."
    AMOUNT = "Ongeldig bedrag: gebruik een getal met hoogstens twee decimalen."
    NEGATIVE = "Bedrag mag niet negatief zijn."
    CATEGORY = "Onbekende categorie: gebruik betaler, niet-betaler of VOW-er."
    HOUSEHOLD = (
        "Onbekend huishouden: gebruik alleenstaand, alleenstaande_ouder, gehuwd of gehuwd_met_kinderen."
    )
    FLAG = "Ongeldige waarde: gebruik ja of nee."
    POSTCODE = "Ongeldige postcode: gebruik vier cijfers en twee letters, zoals 1234AB."
    HOUSE_NUMBER = "Ongeldig huisnummer: gebruik alleen cijfers."
    INCOME_KIND = "Onbekende soort inkomen: gebruik employment, benefit, pension of other."
    PLATE = "Ongeldig kenteken: gebruik 4 tot 8 letters en cijfers."
    DUPLICATE = "Dubbele regel: {key} staat ook in rij {row}."
    FIELD_COUNT = "Rij heeft {actual} kolommen, verwacht {expected}."

    UNREADABLE = "Het bestand kan niet worden gelezen: {reason}"
    EMPTY = "Het bestand bevat geen kopregel."
    NO_ROWS = "Het bestand bevat geen rijen."
    UNKNOWN_COLUMN = "Onbekende kolom: {name}."
    DUPLICATE_COLUMN = "Kolom komt meer dan eens voor: {name}."
    MISSING_COLUMN = "Verplichte kolom ontbreekt: {dutch} ({name})."
    WRONG_PERIOD = "Verkeerde periode in rij {row}: {value} hoort niet bij de levering voor {period}."


class StructuralError(Exception):
    """The file as a whole cannot be accepted; nothing of it is imported."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class RowError:
    row: int  # as a spreadsheet shows it: the header is row 1
    column: str  # the header as written in the file; empty for a whole-row problem
    value: str
    message: str


@dataclass(frozen=True)
class Column:
    name: str
    dutch: str
    type: str
    required: bool = False
    max_length: int | None = None


@dataclass(frozen=True)
class Layout:
    kind: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # unique within one file
    key_label: str  # how the duplicate message names the key

    @property
    def names(self) -> list[str]:
        return [column.name for column in self.columns]

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)


# An optional `period` column in a snapshot file must name the delivery's period.
_PERIOD = Column("period", "Periode", "period")

LAYOUTS: dict[str, Layout] = {
    DEBTORS: Layout(
        DEBTORS,
        (
            Column("debtor_ref", "Debiteurnummer", "text", required=True, max_length=50),
            Column("bsn", "BSN", "bsn", required=True),
            Column("initials", "Voorletters", "text", max_length=20),
            Column("prefix", "Voorvoegsel", "text", max_length=20),
            Column("last_name", "Achternaam", "text", required=True, max_length=200),
            Column("birth_date", "Geboortedatum", "date", required=True),
            Column("street", "Straat", "text", max_length=200),
            Column("house_number", "Huisnummer", "house_number", required=True),
            Column("house_number_suffix", "Toevoeging", "text", max_length=10),
            Column("postcode", "Postcode", "postcode", required=True),
            Column("city", "Plaats", "text", max_length=100),
            Column("district", "Wijk", "text", max_length=100),
            Column("category", "Categorie", "category", required=True),
            Column("claim_amount", "Openstaande vordering", "amount", required=True),
            Column("instalment", "Maandtermijn", "amount"),
            Column("paid_last_month", "Betaald vorige maand", "amount"),
            Column("known_income", "Bekend inkomen", "amount"),
            Column("household_type", "Huishouden", "household"),
            Column("known_seizure", "Bekend beslag", "flag"),
            _PERIOD,
        ),
        key=("debtor_ref",),
        key_label="dit debiteurnummer",
    ),
    INCOME: Layout(
        INCOME,
        (
            Column("bsn", "BSN", "bsn", required=True),
            Column("period", "Periode", "period", required=True),
            Column("source_id", "Loonheffingennummer", "text", required=True, max_length=20),
            Column("source_name", "Naam inkomstenbron", "text", max_length=200),
            Column("income_kind", "Soort inkomen", "income_kind", required=True),
            Column("amount", "Bedrag", "amount", required=True),
        ),
        key=("bsn", "period", "source_id"),
        key_label="deze combinatie van BSN, periode en loonheffingennummer",
    ),
    BALANCES: Layout(
        BALANCES,
        (
            Column("bsn", "BSN", "bsn", required=True),
            Column("reference_date", "Peildatum", "date", required=True),
            Column("balance", "Saldo", "signed_amount", required=True),
        ),
        key=("bsn", "reference_date"),
        key_label="deze combinatie van BSN en peildatum",
    ),
    VEHICLES: Layout(
        VEHICLES,
        (
            Column("bsn", "BSN", "bsn", required=True),
            Column("plate", "Kenteken", "plate", required=True),
            Column("registration_date", "Datum tenaamstelling", "date"),
            Column("value", "Waarde", "amount", required=True),
            _PERIOD,
        ),
        key=("plate",),
        key_label="dit kenteken",
    ),
}

CATEGORIES = {
    "payer": "payer",
    "betaler": "payer",
    "non_payer": "non_payer",
    "non-payer": "non_payer",
    "nonpayer": "non_payer",
    "niet-betaler": "non_payer",
    "niet_betaler": "non_payer",
    "nietbetaler": "non_payer",
    "niet betaler": "non_payer",
    "vow": "vow",
    "vow-er": "vow",
    "vower": "vow",
    "vow_er": "vow",
}
HOUSEHOLD_TYPES = {
    "alleenstaand": "alleenstaand",
    "alleenstaande": "alleenstaand",
    "alleenstaande_ouder": "alleenstaande_ouder",
    "gehuwd": "gehuwd",
    "gehuwd_met_kinderen": "gehuwd_met_kinderen",
    "single": "alleenstaand",
    "single_parent": "alleenstaande_ouder",
    "couple": "gehuwd",
    "couple_with_children": "gehuwd_met_kinderen",
}
INCOME_KINDS = {
    "employment": "employment",
    "benefit": "benefit",
    "pension": "pension",
    "other": "other",
    "loon": "employment",
    "dienstbetrekking": "employment",
    "uitkering": "benefit",
    "pensioen": "pension",
    "overig": "other",
    "overige": "other",
}
FLAGS = {"ja": True, "j": True, "yes": True, "y": True, "1": True, "true": True, "waar": True}
FLAGS |= {"nee": False, "n": False, "no": False, "0": False, "false": False, "onwaar": False}


def header_aliases(layout: Layout) -> dict[str, str]:
    """Map every accepted spelling of a header (lower case) to its canonical column name."""
    aliases: dict[str, str] = {}
    for column in layout.columns:
        for spelling in (column.name, column.name.replace("_", " "), column.dutch):
            aliases[_header_key(spelling)] = column.name
    return aliases


def _header_key(text: str) -> str:
    return " ".join(text.replace("\ufeff", "").strip().lower().split())


def map_headers(headers: list[str], layout: Layout) -> list[str]:
    """Return the canonical column names of a file's headers, or raise a structural error."""
    if not headers or all(not header.strip() for header in headers):
        raise StructuralError(Message.EMPTY)
    aliases = header_aliases(layout)
    names: list[str] = []
    for header in headers:
        name = aliases.get(_header_key(header))
        if name is None:
            raise StructuralError(Message.UNKNOWN_COLUMN.format(name=header.strip()))
        if name in names:
            raise StructuralError(Message.DUPLICATE_COLUMN.format(name=header.strip()))
        names.append(name)
    for column in layout.columns:
        if column.required and column.name not in names:
            raise StructuralError(Message.MISSING_COLUMN.format(dutch=column.dutch, name=column.name))
    return names


# ---------------------------------------------------------------------------------------------
# Reading raw text chunks (every value a str, "" for empty) from CSV or XLSX
# ---------------------------------------------------------------------------------------------


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
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def is_xlsx(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(4) == b"PK\x03\x04"


@dataclass
class RawChunk:
    table: pa.Table  # canonical column names, every value a string ("" when empty)
    rows: np.ndarray  # file row number of each table row
    errors: list[RowError] = field(default_factory=list)  # rows that could not even be split


def _csv_chunks(path: Path, dialect: CsvDialect, names: list[str], chunk_bytes: int) -> Iterator[RawChunk]:
    import pyarrow as pa
    from pyarrow import csv as pa_csv

    pending: list[RowError] = []

    def invalid_row(row: pa_csv.InvalidRow) -> str:
        pending.append(
            RowError(
                row=row.number or 0,  # pyarrow counts file lines, the header included
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
                use_threads=False,
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
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as error:
        raise StructuralError(Message.UNREADABLE.format(reason=error)) from error
    next_row = 2
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            break
        except (pa.ArrowInvalid, UnicodeDecodeError) as error:
            raise StructuralError(Message.UNREADABLE.format(reason=error)) from error
        skipped = np.array([error.row for error in pending], dtype=np.int64)
        span = np.arange(next_row, next_row + batch.num_rows + len(skipped))
        rows = np.setdiff1d(span, skipped, assume_unique=True) if len(skipped) else span
        table = pa.Table.from_batches([batch])
        empty = _empty_rows(table)
        chunk = RawChunk(table=table.filter(pa.array(~empty)), rows=rows[~empty], errors=list(pending))
        pending.clear()
        next_row = int(span[-1]) + 1 if len(span) else next_row
        yield chunk


def _empty_rows(table: pa.Table) -> np.ndarray:
    """Blank lines (kept so row numbers stay right) carry no data."""
    import pyarrow.compute as pc

    empty = np.ones(table.num_rows, dtype=bool)
    for column in table.columns:
        empty &= pc.equal(pc.binary_length(column), 0).to_numpy(zero_copy_only=False)
        if not empty.any():
            break  # the usual case: the first column is filled on every line
    return empty


def _xlsx_chunks(path: Path, layout: Layout, chunk_rows: int) -> Iterator[tuple[list[str], RawChunk]]:
    import pyarrow as pa
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        rows = workbook.get_sheet_by_index(0).iter_rows()
        headers = [_cell_text(cell) for cell in next(rows, [])]
    except (CalamineError, ValueError, OSError) as error:
        raise StructuralError(Message.UNREADABLE.format(reason=error)) from error
    while headers and headers[-1] == "":
        headers.pop()  # trailing empty cells of a sheet wider than its table
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


# ---------------------------------------------------------------------------------------------
# Validation of one chunk: pyarrow compute kernels, no per-row Python
# ---------------------------------------------------------------------------------------------


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


# A converter turns a trimmed string array into (typed values, [(bad mask, message), ...]).
Problems = list[tuple[np.ndarray, str]]
Converter = Callable[["pa.Array", Column], tuple["pa.Array", Problems]]


def _mask(values: pa.Array) -> np.ndarray:
    """A boolean array as numpy, null counting as False."""
    import pyarrow.compute as pc

    return pc.fill_null(values, False).to_numpy(zero_copy_only=False)


def _filled(values: pa.Array) -> np.ndarray:
    import pyarrow.compute as pc

    return _mask(pc.not_equal(values, ""))


def convert_text(values: pa.Array, column: Column) -> tuple[pa.Array, Problems]:
    import pyarrow.compute as pc

    problems: Problems = []
    # A NUL character cannot be stored in a PostgreSQL text column: the row is refused, not the file.
    problems.append((_mask(pc.match_substring(values, "\x00")), Message.CONTROL))
    if column.max_length:
        too_long = _mask(pc.greater(pc.utf8_length(values), column.max_length))
        problems.append((too_long, Message.TOO_LONG.format(max_length=column.max_length)))
    return values, problems


def compact_bsn(values: pa.Array) -> pa.Array:
    """Remove separators and restore leading zeros a spreadsheet dropped, as stdnum does."""
    import pyarrow.compute as pc

    if _all(pc.match_substring_regex(values, r"^\d{9}$")):
        return values  # the usual case: skip the rewrite
    return pc.utf8_lpad(pc.replace_substring_regex(values, r"[\s.\-]", ""), 9, "0")


def _all(mask: pa.Array) -> bool:
    import pyarrow.compute as pc

    return bool(pc.all(pc.fill_null(mask, False)).as_py() is not False) if len(mask) else True


def bsn_is_valid(compacted: pa.Array) -> np.ndarray:
    """Apply the 11-proof to compacted BSNs at once (same outcome as stdnum.nl.bsn.is_valid)."""
    import pyarrow.compute as pc

    shaped = _mask(pc.match_substring_regex(compacted, r"^\d{9}$"))
    valid = np.zeros(len(compacted), dtype=bool)
    if shaped.any():
        nine = compacted.filter(shaped)
        data = np.frombuffer(nine.buffers()[2], dtype=np.uint8)[: len(nine) * 9]
        digits = data.reshape(-1, 9).astype(np.int64) - 48
        weights = np.array([9, 8, 7, 6, 5, 4, 3, 2, -1], dtype=np.int64)
        valid[shaped] = ((digits @ weights) % 11 == 0) & digits.any(axis=1)
    return valid


def bsn_message(value: str) -> str:
    """Explain in Dutch why a BSN is rejected, using stdnum's verdict."""
    try:
        stdnum_bsn.validate(value)
    except InvalidChecksum:
        return Message.BSN_CHECKSUM
    except InvalidLength:
        return Message.BSN_LENGTH
    except ValidationError:
        # stdnum calls all zeros a format error; for a reader it is a number that fails the proof
        return Message.BSN_CHECKSUM if stdnum_bsn.compact(value).isdigit() else Message.BSN_FORMAT
    return Message.BSN_CHECKSUM


def convert_bsn(values: pa.Array, column: Column) -> tuple[pa.Array, Problems]:
    import pyarrow.compute as pc

    compacted = compact_bsn(values)
    invalid = ~bsn_is_valid(compacted) & _filled(values)
    problems: Problems = []
    if invalid.any():
        positions = np.flatnonzero(invalid)
        messages = np.array([bsn_message(value) for value in values.take(positions).to_pylist()])
        for message in np.unique(messages):
            mask = np.zeros(len(values), dtype=bool)
            mask[positions[messages == message]] = True
            problems.append((mask, str(message)))
    return pc.if_else(pc.equal(values, ""), "", compacted), problems


_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _parse_iso_dates(iso: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Parse YYYY-MM-DD strictly (2025-02-30 is wrong, not 2 March); return (date32, invalid)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    shaped = _mask(pc.match_substring_regex(iso, r"^\d{4}-\d{2}-\d{2}$"))
    text = pc.if_else(pa.array(shaped), iso, "1970-01-01")
    year, month, day = (
        pc.cast(pc.utf8_slice_codeunits(text, start, stop), pa.int32()).to_numpy().astype(np.int64)
        for start, stop in ((0, 4), (5, 7), (8, 10))
    )
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_ok = (month >= 1) & (month <= 12)
    last_day = _DAYS_IN_MONTH[np.where(month_ok, month, 1)] + ((month == 2) & leap)
    ok = shaped & month_ok & (day >= 1) & (day <= last_day) & (year >= 1850) & (year <= 2200)
    months = np.where(ok, (year - 1970) * 12 + month - 1, 0).astype("datetime64[M]")
    days = (months.astype("datetime64[D]") + np.where(ok, day - 1, 0)).astype(np.int32)
    return pa.array(days.astype(np.int32), mask=~ok).cast(pa.date32()), ~ok


def convert_date(values: pa.Array, column: Column) -> tuple[pa.Array, Problems]:
    import pyarrow.compute as pc

    iso = values
    if not _all(pc.match_substring_regex(values, r"^(\d{4}-\d{2}-\d{2})?$")):
        iso = pc.replace_substring_regex(values, r"^(\d{1,2})-(\d{1,2})-(\d{4})$", r"\3-\2-\1")
        iso = pc.replace_substring_regex(iso, r"^(\d{4})-(\d)-", r"\1-0\2-")
        iso = pc.replace_substring_regex(iso, r"-(\d)$", r"-0\1")
    dates, invalid = _parse_iso_dates(iso)
    return dates, [(invalid & _filled(values), Message.DATE)]


def convert_period(values: pa.Array, column: Column) -> tuple[pa.Array, Problems]:
    import pyarrow.compute as pc

    month = values
    if not _all(pc.match_substring_regex(values, r"^(\d{4}-\d{2})?$")):
        # A spreadsheet turns 2026-01 into a date; the first of the month is accepted too.
        month = pc.replace_substring_regex(values, r"^(\d{4}-\d{1,2})-0?1$", r"\1")
        month = pc.replace_substring_regex(month, r"^(\d{4})-(\d)$", r"\1-0\2")
    dates, invalid = _parse_iso_dates(pc.binary_join_element_wise(month, "01", "-"))
    return dates, [(invalid & _filled(values), Message.PERIOD)]


_PLAIN_AMOUNT = r"^-?\d{1,13}(\.\d{1,2})?$"


def parse_cents(values: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Read euro amounts with decimal comma or point into integer cents; return (cents, invalid)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = values
    if not _all(pc.match_substring_regex(values, r"^(-?\d{1,13}(\.\d{1,2})?)?$")):
        text = pc.replace_substring_regex(text, r"[\s\x{20AC}]", "")
        # With a decimal comma, points can only be thousands separators (1.234,56).
        comma = pc.match_substring(text, ",")
        text = pc.if_else(comma, pc.replace_substring(pc.replace_substring(text, ".", ""), ",", "."), text)
    shaped = _mask(pc.match_substring_regex(text, _PLAIN_AMOUNT))
    text = pc.if_else(pa.array(shaped), text, "0")
    point = pc.find_substring(text, ".").to_numpy()
    length = pc.utf8_length(text).to_numpy()
    decimals = np.where(point < 0, 0, length - point - 1)
    digits = pc.cast(pc.replace_substring(text, ".", ""), pa.int64()).to_numpy()
    cents = digits * np.array([100, 10, 1])[decimals]
    return pa.array(cents, mask=~shaped), ~shaped & _filled(values)


def convert_amount(values: pa.Array, column: Column) -> tuple[pa.Array, Problems]:
    import pyarrow.compute as pc

    cents, invalid = parse_cents(values)
    negative = _mask(pc.less(cents, 0))
    return cents, [(invalid, Message.AMOUNT), (negative, Message.NEGATIVE)]


def convert_signed_amount(values: pa.Array, column: Column) -> tuple[pa.Array, Problems]:
    cents, invalid = parse_cents(values)
    return cents, [(invalid, Message.AMOUNT)]


def _convert_choice(choices: dict[str, str], message: str) -> Converter:
    def convert(values: pa.Array, column: Column) -> tuple[pa.Array, Problems]:
        import pyarrow as pa
        import pyarrow.compute as pc

        key = pc.utf8_lower(
            pc.replace_substring_regex(values, r"\s+", "_" if column.type == "household" else " ")
        )
        position = pc.index_in(key, value_set=pa.array(list(choices)))
        mapped = pa.array(list(choices.values())).take(position)
        invalid = _mask(pc.is_null(position)) & _filled(values)
        return mapped, [(invalid, message)]

    return convert


def convert_flag(values: pa.Array, column: Column) -> tuple[pa.Array, Problems]:
    import pyarrow as pa
    import pyarrow.compute as pc

    mapped, problems = _convert_choice({key: str(flag) for key, flag in FLAGS.items()}, Message.FLAG)(
        values, column
    )
    return pc.fill_null(pc.equal(mapped, "True"), False).cast(pa.bool_()), problems


def convert_postcode(values: pa.Array, column: Column) -> tuple[pa.Array, Problems]:
    import pyarrow.compute as pc

    compact = pc.utf8_upper(pc.replace_substring_regex(values, r"\s+", ""))
    invalid = ~_mask(pc.match_substring_regex(compact, r"^[1-9]\d{3}[A-Z]{2}$")) & _filled(values)
    return compact, [(invalid, Message.POSTCODE)]


def convert_house_number(values: pa.Array, column: Column) -> tuple[pa.Array, Problems]:
    import pyarrow as pa
    import pyarrow.compute as pc

    shaped = _mask(pc.match_substring_regex(values, r"^0*[1-9]\d{0,5}$"))
    numbers = pc.cast(pc.if_else(pa.array(shaped), values, pa.scalar(None, pa.string())), pa.int64())
    return numbers, [(~shaped & _filled(values), Message.HOUSE_NUMBER)]


def convert_plate(values: pa.Array, column: Column) -> tuple[pa.Array, Problems]:
    import pyarrow.compute as pc

    compact = pc.utf8_upper(pc.replace_substring_regex(values, r"[\s\-]", ""))
    invalid = ~_mask(pc.match_substring_regex(compact, r"^[A-Z0-9]{4,8}$")) & _filled(values)
    return compact, [(invalid, Message.PLATE)]


CONVERTERS: dict[str, Converter] = {
    "text": convert_text,
    "bsn": convert_bsn,
    "date": convert_date,
    "period": convert_period,
    "amount": convert_amount,
    "signed_amount": convert_signed_amount,
    "category": _convert_choice(CATEGORIES, Message.CATEGORY),
    "household": _convert_choice(HOUSEHOLD_TYPES, Message.HOUSEHOLD),
    "flag": convert_flag,
    "income_kind": _convert_choice(INCOME_KINDS, Message.INCOME_KIND),
    "postcode": convert_postcode,
    "house_number": convert_house_number,
    "plate": convert_plate,
}


def arrow_type(column: Column) -> pa.DataType:
    import pyarrow as pa

    if column.type in ("amount", "signed_amount", "house_number"):
        return pa.int64()
    if column.type in ("date", "period"):
        return pa.date32()
    if column.type == "flag":
        return pa.bool_()
    return pa.string()


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
        values = pc.utf8_trim_whitespace(original)
        result, problems = _convert(values, column)
        if column.required:
            problems = [(~_filled(values), Message.REQUIRED), *problems]
        for mask, message in problems:
            if mask.any():
                bad_rows |= mask
                found.append((mask, headers[column.name], original, message))
        if column.type not in ("text", "bsn", "flag"):
            result = pc.if_else(pc.equal(values, ""), pa.scalar(None, arrow_type(column)), result)
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
_FEW_VALUES = frozenset({"date", "period", "category", "household", "flag", "income_kind"})


def _convert(values: pa.Array, column: Column) -> tuple[pa.Array, Problems]:
    import pyarrow.compute as pc

    if column.type not in _FEW_VALUES or len(values) < 1000:
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
) -> Iterator[Chunk]:
    """Read a delivery file chunk by chunk; raise StructuralError when the file must be rejected."""
    path = Path(path)
    layout = LAYOUTS[kind]
    seen = _SeenKeys()
    codes = _KeyCodes(layout)
    if is_xlsx(path):
        raw_chunks: Iterator[tuple[list[str], RawChunk]] = _xlsx_chunks(path, layout, chunk_rows)
    else:
        dialect, file_headers = sniff_csv(path)
        names = map_headers(file_headers, layout)
        chunk_bytes = max(1 << 16, chunk_rows * _BYTES_PER_ROW[kind])
        raw_chunks = ((file_headers, raw) for raw in _csv_chunks(path, dialect, names, chunk_bytes))
    rows_seen = 0
    for file_headers, raw in raw_chunks:
        names = map_headers(file_headers, layout)
        headers = dict(zip(names, [header.strip() for header in file_headers], strict=True))
        chunk = validate_chunk(raw, layout=layout, headers=headers)
        chunk.errors = sorted([*raw.errors, *chunk.errors], key=lambda error: error.row)
        _check_period(chunk, layout=layout, period=period)
        chunk = _drop_duplicates(chunk, layout=layout, headers=headers, seen=seen, codes=codes)
        rows_seen += chunk.rows_read
        yield chunk
    if rows_seen == 0:
        raise StructuralError(Message.NO_ROWS)


_BYTES_PER_ROW = {DEBTORS: 160, INCOME: 60, BALANCES: 30, VEHICLES: 40}
