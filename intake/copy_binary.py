"""PostgreSQL's binary COPY format, encoded a column at a time with numpy and Arrow.

The server parses no text into bigint, date and numeric: a fifth less of its time than CSV for
the same rows. A row is a 16-bit field count, then per field a 32-bit length (-1 for NULL) and
the value, all big-endian; see https://www.postgresql.org/docs/current/sql-copy.html.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .parsers.converters import string_lengths

HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, no header extension
TRAILER = b"\xff\xff"
NULL = b"\xff\xff\xff\xff"
POSTGRES_EPOCH = 10_957  # 2000-01-01 in days since 1970-01-01

# numeric(12, 2) from integer cents: four base-10000 digits, the last one the cents (PostgreSQL
# normalises leading zero digits and checks the value against the column's precision).
_NUMERIC = np.dtype(
    [
        ("size", ">i4"),
        ("ndigits", ">i2"),
        ("weight", ">i2"),
        ("sign", ">u2"),
        ("dscale", ">i2"),
        ("digits", ">i2", (4,)),
    ]
)


def fixed_width(data: np.ndarray, width: int, count: int) -> Any:
    """Equal-width pieces of bytes as a binary array, without a copy."""
    import pyarrow as pa

    offsets = np.arange(0, width * count + 1, width, dtype=np.int32)
    return pa.Array.from_buffers(pa.binary(), count, [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def text_field(values: Any) -> list[Any]:
    """A text column without NULLs: each value's length, then its UTF-8 bytes."""
    import pyarrow as pa

    values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    count = len(values)
    lengths = string_lengths(values).astype(">i4")
    return [fixed_width(lengths.view(np.uint8), 4, count), values.cast(pa.binary())]


def repeated_text_field(values: Any) -> Any:
    """A text column without NULLs that repeats a few values, as one binary array of whole fields.

    Each distinct value is encoded once and then taken for its rows: cheaper than text_field for a
    column of sources or kinds, and one part fewer for `rows` to join.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    encoded = pc.dictionary_encode(values)
    entries = pc.binary_join_element_wise(*text_field(encoded.dictionary), b"")
    return entries.take(encoded.indices)


def bool_field(values: np.ndarray) -> list[Any]:
    count = len(values)
    data = np.zeros(count, dtype=[("size", ">i4"), ("value", "u1")])
    data["size"], data["value"] = 1, values
    return [fixed_width(data.view(np.uint8), 5, count)]


def _numeric_template() -> np.ndarray:
    row = np.zeros(1, dtype=_NUMERIC)
    row["size"] = _NUMERIC.itemsize - 4
    row["ndigits"], row["weight"], row["dscale"] = 4, 2, 2
    return row


_NUMERIC_TEMPLATE = _numeric_template()


def numeric_field(cents: Any) -> list[Any]:
    """A numeric(12, 2) column from integer cents; NULL where the cents are null."""
    import pyarrow as pa
    import pyarrow.compute as pc

    cents = cents.combine_chunks() if isinstance(cents, pa.ChunkedArray) else cents
    count = len(cents)
    values = pc.fill_null(cents, 0).to_numpy()
    data = np.repeat(_NUMERIC_TEMPLATE, count)
    data["sign"] = np.where(values < 0, 0x4000, 0)
    # Base-10000 digits, the last one the cents times a hundred.
    whole, fraction = np.divmod(np.abs(values), 100)
    digits = data["digits"]
    digits[:, 3] = fraction * 100
    for place in (2, 1):
        whole, digits[:, place] = np.divmod(whole, 10_000)
    digits[:, 0] = whole
    if not cents.null_count:
        return [fixed_width(data.view(np.uint8), _NUMERIC.itemsize, count)]
    # A NULL is its length -1 alone: keep only the first four bytes of those rows, set to NULL.
    nulls = ~cents.is_valid().to_numpy(zero_copy_only=False)
    data["size"][nulls] = -1
    sizes = np.where(nulls, 4, _NUMERIC.itemsize).astype(np.int32)
    keep = np.arange(_NUMERIC.itemsize) < sizes[:, None]
    offsets = np.zeros(count + 1, dtype=np.int32)
    np.cumsum(sizes, out=offsets[1:])
    packed = data.view(np.uint8).reshape(count, _NUMERIC.itemsize)[keep]
    return [pa.Array.from_buffers(pa.binary(), count, [None, pa.py_buffer(offsets), pa.py_buffer(packed)])]


def rows(parts: list[Any], count: int) -> memoryview:
    """The fields of each row joined into binary COPY tuples, back to back."""
    return body(joined_rows(parts))


def joined_rows(parts: list[Any]) -> Any:
    """The fields of each row joined: a binary array of one COPY tuple per row."""
    import pyarrow.compute as pc

    return pc.binary_join_element_wise(*parts, b"")


def copy_into(on: Any, table: str, columns: tuple[str, ...], body: memoryview) -> None:
    """COPY tuples already encoded (see rows) into `table` through the connection `on`."""
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT binary)"
    with on.cursor() as cursor, cursor.copy(statement) as copy:
        copy.write(HEADER)
        copy.write(body)
        copy.write(TRAILER)


def body(tuples: Any) -> memoryview:
    """The tuples of a binary array (see joined_rows) back to back, without a copy."""
    offsets = np.frombuffer(tuples.buffers()[1], dtype=np.int32)
    return memoryview(tuples.buffers()[2])[offsets[tuples.offset] : offsets[tuples.offset + len(tuples)]]
