"""Column converters: pyarrow compute kernels over a whole chunk, no per-row Python."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError
from stdnum.nl import bsn as stdnum_bsn

if TYPE_CHECKING:
    import pyarrow as pa

from .layouts import CATEGORIES, FLAGS, HOUSEHOLD_TYPES, INCOME_KINDS, Column, Message

# A converter turns a trimmed string array into (typed values, [(bad mask, message), ...]).
Problems = list[tuple[np.ndarray, str]]
Converter = Callable[["pa.Array", Column], tuple["pa.Array", Problems]]


def _mask(values: pa.Array) -> np.ndarray:
    """A boolean array as numpy, null counting as False."""
    import pyarrow.compute as pc

    return pc.fill_null(values, False).to_numpy(zero_copy_only=False)


def _filled(values: pa.Array) -> np.ndarray:
    import pyarrow.compute as pc

    if _is_plain_string(values):
        return string_lengths(values) > 0
    return _mask(pc.not_equal(values, ""))


# Fast paths read a string array's buffers with numpy: one pass over memory instead of a kernel
# that builds a new array. They answer only the common, clean case and leave the rest to the kernels.


def _is_plain_string(values: pa.Array) -> bool:
    import pyarrow as pa

    return isinstance(values, pa.Array) and values.null_count == 0 and pa.types.is_string(values.type)


def string_lengths(values: pa.Array) -> np.ndarray:
    """Byte length of each string of a string array, from its offsets."""
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int32)[
        values.offset : values.offset + len(values) + 1
    ]
    return np.diff(offsets)


def string_bytes(values: pa.Array) -> np.ndarray:
    """The UTF-8 bytes of all strings of a string array, back to back."""
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int32)
    start, stop = offsets[values.offset], offsets[values.offset + len(values)]
    data = values.buffers()[2]
    return (
        np.frombuffer(data, dtype=np.uint8)[start:stop] if data is not None else np.zeros(0, dtype=np.uint8)
    )


def trim(values: pa.Array) -> pa.Array:
    """utf8_trim_whitespace, skipped when no string starts or ends with a byte it could trim."""
    import pyarrow.compute as pc

    if _is_plain_string(values) and len(values):
        offsets = np.frombuffer(values.buffers()[1], dtype=np.int32)
        offsets = offsets[values.offset : values.offset + len(values) + 1]
        starts, stops = offsets[:-1], offsets[1:]
        filled = stops > starts
        if not filled.all():
            if not filled.any():
                return values
            starts, stops = starts[filled], stops[filled]
        data = np.frombuffer(values.buffers()[2], dtype=np.uint8)
        # Space, control characters and any non-ASCII byte (Unicode white space) may be trimmed:
        # only "!" (0x21) up to "~" (0x7E) at both ends leaves nothing to trim (uint8 wraps).
        if ((data[starts] - 0x21) < 0x5E).all() and ((data[stops - 1] - 0x21) < 0x5E).all():
            return values
    return pc.utf8_trim_whitespace(values)


def convert_text(values: pa.Array, column: Column) -> tuple[pa.Array, Problems]:
    import pyarrow.compute as pc

    problems: Problems = []
    plain = _is_plain_string(values)
    # A NUL character cannot be stored in a PostgreSQL text column: the row is refused, not the file.
    if not plain or string_bytes(values).min(initial=1) == 0:
        problems.append((_mask(pc.match_substring(values, "\x00")), Message.CONTROL))
    # A string is never longer in characters than in bytes.
    if column.max_length and (not plain or string_lengths(values).max(initial=0) > column.max_length):
        too_long = _mask(pc.greater(pc.utf8_length(values), column.max_length))
        problems.append((too_long, Message.TOO_LONG.format(max_length=column.max_length)))
    return values, problems


def compact_bsn(values: pa.Array) -> pa.Array:
    """Remove separators and restore leading zeros a spreadsheet dropped, as stdnum does."""
    import pyarrow.compute as pc

    if _all_nine_digits(values) or _all(pc.match_substring_regex(values, r"^\d{9}$")):
        return values  # the usual case: skip the rewrite
    return pc.utf8_lpad(pc.replace_substring_regex(values, r"[\s.\-]", ""), 9, "0")


def _all(mask: pa.Array) -> bool:
    import pyarrow.compute as pc

    return bool(pc.all(pc.fill_null(mask, False)).as_py() is not False) if len(mask) else True


def _all_nine_digits(values: pa.Array) -> bool:
    if not _is_plain_string(values):
        return False
    lengths = string_lengths(values)
    return bool((lengths == 9).all()) and bool(
        (string_bytes(values) - 48 < 10).all()
    )  # uint8 wraps below "0"


def bsn_is_valid(compacted: pa.Array) -> np.ndarray:
    """Apply the 11-proof to compacted BSNs at once (same outcome as stdnum.nl.bsn.is_valid)."""
    import pyarrow.compute as pc

    if _all_nine_digits(compacted):
        return _eleven_proof(string_bytes(compacted))
    shaped = _mask(pc.match_substring_regex(compacted, r"^\d{9}$"))
    valid = np.zeros(len(compacted), dtype=bool)
    if shaped.any():
        nine = compacted.filter(shaped)
        valid[shaped] = _eleven_proof(np.frombuffer(nine.buffers()[2], dtype=np.uint8)[: len(nine) * 9])
    return valid


def _eleven_proof(data: np.ndarray) -> np.ndarray:
    """The 11-proof of back-to-back nine-digit numbers (ASCII bytes)."""
    digits = data.reshape(-1, 9)
    total = np.zeros(len(digits), dtype=np.int32)
    any_digit = np.zeros(len(digits), dtype=bool)
    for position, weight in enumerate((9, 8, 7, 6, 5, 4, 3, 2, -1)):
        digit = digits[:, position].astype(np.int32) - 48
        total += weight * digit
        any_digit |= digit != 0
    return (total % 11 == 0) & any_digit


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
    unchanged = compacted is values
    problems: Problems = []
    if invalid.any():
        positions = np.flatnonzero(invalid)
        messages = np.array([bsn_message(value) for value in values.take(positions).to_pylist()])
        for message in np.unique(messages):
            mask = np.zeros(len(values), dtype=bool)
            mask[positions[messages == message]] = True
            problems.append((mask, str(message)))
    if unchanged:
        return values, problems  # no rewrite, so an empty value is still ""
    return pc.if_else(pc.equal(values, ""), "", compacted), problems


_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _parse_iso_dates(iso: pa.Array, *, with_day: bool = True) -> tuple[pa.Array, np.ndarray]:
    """Parse YYYY-MM-DD strictly (2025-02-30 is wrong, not 2 March); return (date32, invalid).

    Without the day: YYYY-MM, the first of the month.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if not _is_plain_string(iso):  # a null is read as an empty string: not shaped, so invalid
        iso = pc.fill_null(pc.cast(iso, pa.string()), "")
    shaped, year, month, day = _iso_numbers(iso, with_day=with_day)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_ok = (month >= 1) & (month <= 12)
    last_day = _DAYS_IN_MONTH[np.where(month_ok, month, 1)] + ((month == 2) & leap)
    ok = shaped & month_ok & (day >= 1) & (day <= last_day) & (year >= 1850) & (year <= 2200)
    months = np.where(ok, (year - 1970) * 12 + month - 1, 0).astype("datetime64[M]")
    days = (months.astype("datetime64[D]") + np.where(ok, day - 1, 0)).astype(np.int32)
    return pa.array(days.astype(np.int32), mask=~ok).cast(pa.date32()), ~ok


def _iso_numbers(iso: pa.Array, *, with_day: bool) -> tuple[np.ndarray, ...]:
    """(shaped, year, month, day) of a plain string array, read from its bytes with numpy.

    Shaped: exactly YYYY-MM-DD (or YYYY-MM) in ASCII digits, tested a byte column at a time instead
    of a regex and three slices (half the cost); a string that is not shaped gets 1970-01-01.
    """
    width, dashes = (10, (4, 7)) if with_day else (7, (4,))
    count = len(iso)
    sized = string_lengths(iso) == width
    offsets = np.frombuffer(iso.buffers()[1], dtype=np.int32)[iso.offset : iso.offset + count]
    data = np.frombuffer(iso.buffers()[2], dtype=np.uint8) if sized.any() else np.zeros(0, np.uint8)
    if count and sized.all():  # the usual case: the strings back to back, a view of their bytes
        matrix = data[offsets[0] : offsets[0] + count * width].reshape(count, width)
    else:
        matrix = np.zeros((count, width), dtype=np.uint8)
        matrix[sized] = data[offsets[sized, None] + np.arange(width, dtype=np.int32)]
    digits = matrix - np.uint8(ord("0"))  # wraps: anything but 0-9 is 10 or more
    shaped = sized.copy()
    for place in range(width):
        shaped &= matrix[:, place] == ord("-") if place in dashes else digits[:, place] < 10

    def number(*places: int, otherwise: int) -> np.ndarray:
        value = np.zeros(count, dtype=np.int64)
        for place in places:
            value = value * 10 + digits[:, place]
        return np.where(shaped, value, otherwise)

    day = number(8, 9, otherwise=1) if with_day else np.ones(count, dtype=np.int64)
    return shaped, number(0, 1, 2, 3, otherwise=1970), number(5, 6, otherwise=1), day


# Other spellings rewritten to ISO form before a second parse (a value in ISO form is left as it
# is by these patterns): day-month-year and one-digit parts; a month a spreadsheet turned into
# its first day.
_DATE_REWRITES = (
    (r"^(\d{1,2})-(\d{1,2})-(\d{4})$", r"\3-\2-\1"),
    (r"^(\d{4})-(\d)-", r"\1-0\2-"),
    (r"-(\d)$", r"-0\1"),
)
_PERIOD_REWRITES = ((r"^(\d{4}-\d{1,2})-0?1$", r"\1"), (r"^(\d{4})-(\d)$", r"\1-0\2"))


def convert_date(values: pa.Array, column: Column) -> tuple[pa.Array, Problems]:
    return _convert_iso(values, rewrites=_DATE_REWRITES, message=Message.DATE, with_day=True)


def convert_period(values: pa.Array, column: Column) -> tuple[pa.Array, Problems]:
    return _convert_iso(values, rewrites=_PERIOD_REWRITES, message=Message.PERIOD, with_day=False)


def _convert_iso(
    values: pa.Array, *, rewrites: tuple[tuple[str, str], ...], message: str, with_day: bool
) -> tuple[pa.Array, Problems]:
    """Parse ISO form; only when a filled value fails, rewrite every value and parse again."""
    import pyarrow.compute as pc

    filled = _filled(values)
    dates, invalid = _parse_iso_dates(values, with_day=with_day)
    if (invalid & filled).any():
        for pattern, replacement in rewrites:
            values = pc.replace_substring_regex(values, pattern, replacement)
        dates, invalid = _parse_iso_dates(values, with_day=with_day)
    return dates, [(invalid & filled, message)]


_PLAIN_AMOUNT = r"^-?\d{1,13}(\.\d{1,2})?$"


def parse_cents(values: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Read euro amounts with decimal comma or point into integer cents; return (cents, invalid)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    filled = _filled(values)
    if _all(pc.match_substring_regex(values, r"^(-?\d{1,13}(\.\d{1,2})?)?$")):
        # The usual case: every value already plain. A decimal cast reads them in one kernel.
        text = values if filled.all() else pc.if_else(pa.array(filled), values, "0")
        decimals = pc.cast(text, pa.decimal128(15, 2))
        words = np.frombuffer(decimals.buffers()[1], dtype=np.int64)
        cents = words[2 * decimals.offset : 2 * (decimals.offset + len(decimals)) : 2]  # low words
        return pa.array(cents, mask=~filled), np.zeros(len(values), dtype=bool)
    text = pc.replace_substring_regex(values, r"[\s\x{20AC}]", "")
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
    return pa.array(cents, mask=~shaped), ~shaped & filled


# Money columns are numeric(12, 2) (balances 14): ten digits before the point fit everywhere. A
# larger amount is a row error here, not an error of the whole import at the database.
_LARGEST_CENTS = 10**12 - 1


def _too_large(cents: pa.Array) -> np.ndarray:
    import pyarrow.compute as pc

    return _mask(pc.greater(pc.abs(cents), _LARGEST_CENTS))


def convert_amount(values: pa.Array, column: Column) -> tuple[pa.Array, Problems]:
    import pyarrow.compute as pc

    cents, invalid = parse_cents(values)
    negative = _mask(pc.less(cents, 0))
    return cents, [
        (invalid, Message.AMOUNT),
        (negative, Message.NEGATIVE),
        (_too_large(cents), Message.TOO_LARGE),
    ]


def convert_signed_amount(values: pa.Array, column: Column) -> tuple[pa.Array, Problems]:
    cents, invalid = parse_cents(values)
    return cents, [(invalid, Message.AMOUNT), (_too_large(cents), Message.TOO_LARGE)]


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

    if _all_postcodes(values):
        return values, []  # the usual case: every value already 1234AB
    compact = pc.utf8_upper(pc.replace_substring_regex(values, r"\s+", ""))
    invalid = ~_mask(pc.match_substring_regex(compact, r"^[1-9]\d{3}[A-Z]{2}$")) & _filled(values)
    return compact, [(invalid, Message.POSTCODE)]


def _all_postcodes(values: pa.Array) -> bool:
    """Every value exactly four digits (the first not 0) and two capitals."""
    if not _is_plain_string(values) or not (string_lengths(values) == 6).all():
        return False
    data = string_bytes(values).reshape(-1, 6)
    return bool(
        ((data[:, 0] - 49) < 9).all()  # uint8 wraps below "1"
        and ((data[:, 1:4] - 48) < 10).all()
        and ((data[:, 4:] - 65) < 26).all()
    )


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
