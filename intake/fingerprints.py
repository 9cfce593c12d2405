"""64-bit fingerprints of texts and of table rows, a column at a time with numpy (no loop per row).

A debtor file of a million rows is compared with the month before and matched to the debtors
already known. Doing that in SQL is a million-row join (three seconds of server time); with a
fingerprint per row it is a comparison of two integer arrays. Fingerprints are stored with the
snapshots, so they must never change between releases: a text's fingerprint is a polynomial hash
of its UTF-8 bytes modulo 2**64, finished with MurmurHash3's 64-bit mixer; a row's fingerprint
mixes those of its columns in a fixed order. Equal values always give equal fingerprints; two
different values give the same one with a chance of about 2**-64, so callers use a fingerprint to
count, or to find a candidate that they then compare exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_BASE = np.uint64(0x100000001B3)  # odd, so every power is invertible and no byte is lost
_ROW_SEED = np.uint64(0x9E3779B97F4A7C15)
_TEXT_SEED = np.uint64(0xBB67AE8584CAA73B)  # so even an empty text has a fingerprint other than 0
_NULL = np.uint64(0x6A09E667F3BCC909)  # the fingerprint of a missing value (SQL NULL)
_M1 = np.uint64(0xFF51AFD7ED558CCD)
_M2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)
_INVERSE = np.uint64(pow(int(_BASE), -1, 2**64))
_BLOCK = 1 << 16  # texts hashed at once
_tables: dict[str, np.ndarray] = {
    "powers": np.ones(1, dtype=np.uint64),
    "inverses": np.ones(1, dtype=np.uint64),
}


def mix(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's fmix64: every input bit reaches every output bit (uint64 in, uint64 out)."""
    h = values ^ (values >> _S33)
    h *= _M1
    h ^= h >> _S33
    h *= _M2
    h ^= h >> _S33
    return h


def _table(name: str, base: np.uint64, count: int) -> np.ndarray:
    """base**k modulo 2**64 for k < count (numpy's unsigned products wrap around), kept for reuse."""
    table = _tables[name]
    if len(table) < count:
        size = max(count, 2 * len(table), 1 << 16)
        table = np.cumprod(np.r_[np.uint64(1), np.full(size - 1, base, dtype=np.uint64)])
        _tables[name] = table
    return table[:count]


def text_fingerprints(values: Any) -> np.ndarray:
    """The fingerprint of each text of an Arrow string array (uint64; _NULL for a null)."""
    import pyarrow as pa

    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if pa.types.is_dictionary(values.type):
        if len(values.dictionary) == 0:
            return np.full(len(values), _NULL, dtype=np.uint64)
        import pyarrow.compute as pc

        codes = pc.fill_null(values.indices, 0).to_numpy(zero_copy_only=False)
        return _with_nulls(text_fingerprints(values.dictionary)[codes], values)
    if not pa.types.is_string(values.type):
        values = values.cast(pa.string())
    if len(values) > _BLOCK:
        # In blocks, so the tables of powers stay small (a few MB, kept for the next call).
        return np.concatenate(
            [text_fingerprints(values.slice(start, _BLOCK)) for start in range(0, len(values), _BLOCK)]
        )
    count = len(values)
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int32, count=count + 1, offset=values.offset * 4)
    lengths = np.diff(offsets).astype(np.int64)
    result = np.zeros(count, dtype=np.uint64)
    total = int(offsets[-1] - offsets[0])
    if total:
        data = np.frombuffer(values.buffers()[2], dtype=np.uint8, count=total, offset=int(offsets[0]))
        starts = (offsets[:-1] - offsets[0]).astype(np.int64)
        # Weighted by the place in the whole buffer, then shifted back by the text's start, so a
        # text hashes alike wherever it lies: sum((byte + 1) * BASE**i) over the text's bytes.
        terms = (data.astype(np.uint64) + np.uint64(1)) * _table("powers", _BASE, total)
        filled = lengths > 0
        at = starts[filled]
        result[filled] = np.add.reduceat(terms, at) * _table("inverses", _INVERSE, int(at[-1]) + 1)[at]
    result = mix(result ^ (lengths.astype(np.uint64) * _M2) ^ _TEXT_SEED)
    return _with_nulls(result, values)


def number_values(values: Any) -> np.ndarray:
    """Each value of an Arrow integer, date or boolean array as uint64 (_NULL for a null)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if pa.types.is_date32(values.type):
        values = values.cast(pa.int32())  # days since 1970-01-01
    numbers = pc.fill_null(pc.cast(values, pa.int64()), 0).to_numpy(zero_copy_only=False)
    return _with_nulls(numbers.astype(np.uint64), values)


def _with_nulls(result: np.ndarray, values: Any) -> np.ndarray:
    if values.null_count:
        result[~values.is_valid().to_numpy(zero_copy_only=False)] = _NULL
    return result


def _column_values(values: Any, *, distinct: bool) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    kind = values.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        # Most columns of a file repeat a few values: hash each of them once. A column of mostly
        # distinct values is hashed as it is (a dictionary of it costs more than it saves).
        return text_fingerprints(values if distinct else pc.dictionary_encode(values))
    if pa.types.is_dictionary(kind):
        return text_fingerprints(values)
    return number_values(values)


def row_fingerprints(
    table: Any, names: tuple[str, ...] | list[str], *, distinct: tuple[str, ...] = ()
) -> np.ndarray:
    """One fingerprint per row over the named columns, in that order (int64, as PostgreSQL stores it).

    A text column's values count as texts, any other column's as integers (dates as days,
    booleans as 0 and 1, amounts as cents): a column read with another type gives other
    fingerprints, and every row then differs once from the month before. `distinct` names the
    text columns whose values mostly differ per row (a speed hint only: the result is the same).
    """
    return finish(weighted_sum(table, names, distinct=distinct))


def weighted_sum(
    table: Any, names: tuple[str, ...] | list[str], *, distinct: tuple[str, ...] = (), start: int = 0
) -> np.ndarray:
    """The columns' values summed with an odd weight per place (`start` is the first column's).

    The sum of the first columns and the sum of the rest, from start=len(first), add up to the
    sum of all: so one pass gives the fingerprint of a row and of its first columns alone.
    """
    total = np.zeros(table.num_rows, dtype=np.uint64)
    for place, name in enumerate(names, start=start):
        weight = mix(np.array([place + 1], dtype=np.uint64))[0] | np.uint64(1)
        total += _column_values(table[name], distinct=name in distinct) * weight
    return total


def finish(total: np.ndarray) -> np.ndarray:
    """Fingerprints (int64) from weighted sums."""
    return mix(total ^ _ROW_SEED).view(np.int64)
