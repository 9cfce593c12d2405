"""Read and validate delivery files (domain.md section 3).

A file is read in chunks so a debtor file of a million rows or an income file of five million
rows never sits in memory whole. Every chunk comes back as an Arrow table of valid rows in
canonical columns (amounts as integer cents, dates as date32) plus the row errors found in it.
Problems with the file as a whole raise :class:`StructuralError`: the delivery is rejected.

    layouts      kinds, columns, Dutch messages, header mapping
    raw_chunks   CSV and XLSX into chunks of text
    converters   one pyarrow kernel pass per column type
    validation   a chunk's columns converted, valid rows kept, errors reported
    duplicates   duplicate keys across the whole file
    reading      read_delivery: the entry point
"""

from .converters import CONVERTERS, arrow_type, bsn_is_valid, parse_cents
from .layouts import (
    BALANCES,
    DEBTORS,
    DEFAULT_CHUNK_ROWS,
    INCOME,
    KINDS,
    LAYOUTS,
    MAX_DETAILED_ERRORS,
    VEHICLES,
    Column,
    Layout,
    Message,
    RowError,
    StructuralError,
    map_headers,
)
from .raw_chunks import XLSX_SIGNATURE, NeedsLineNumbers, is_xlsx, sniff_csv
from .reading import column_headers, read_delivery
from .validation import Chunk

__all__ = [
    "BALANCES",
    "CONVERTERS",
    "DEBTORS",
    "DEFAULT_CHUNK_ROWS",
    "INCOME",
    "KINDS",
    "LAYOUTS",
    "MAX_DETAILED_ERRORS",
    "VEHICLES",
    "XLSX_SIGNATURE",
    "Chunk",
    "Column",
    "Layout",
    "Message",
    "NeedsLineNumbers",
    "RowError",
    "StructuralError",
    "arrow_type",
    "bsn_is_valid",
    "column_headers",
    "is_xlsx",
    "map_headers",
    "parse_cents",
    "read_delivery",
    "sniff_csv",
]
