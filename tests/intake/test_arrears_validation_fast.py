"""The fast path of report validation agrees with the full validation, value for value."""

import datetime as dt

from hypothesis import example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from stdnum.nl import bsn as stdnum_bsn

from intake.arrears.validation import FIELDS, _plain_report, is_valid_bsn, validate_fully, validate_report

TODAY = dt.date(2026, 6, 1)
PLAIN = {
    "reference": "E-2026.1:a_b",
    "municipality_code": "GM0363",
    "partner_type": "Energie",
    "crisis": False,
    "warm_handover": True,
    "amount": "612.50",
    "arrears_since": "2026-03-01",
    "signal_date": "2026-05-01",
    "bsn": "123456782",
    "initials": "A.",
    "prefix": "van",
    "last_name": "Dijk",
    "birth_date": "1985-06-15",
    "street": "Dorpsstraat",
    "postcode": "1234AB",
    "house_number": "10",
    "house_number_suffix": "a",
    "city": "Utrecht",
}
# Values near the edges of every rule: blanks, padding, wrong types, other spellings, out of range.
odd_values = st.one_of(
    st.none(),
    st.sampled_from(["", " ", "  x ", "0", "00000000", "9999", "1e3", "NaN", "-0", "12,5", "1.005"]),
    st.sampled_from(["gm0363", "0363 ", "363", "٠٣٦٣", "2026-02-30", "2026-W03-1", "20260301", "2027-01-01"]),
    st.sampled_from(
        ["1234 ab", "1234ab", " 1234AB", "0123AB", "ß234AB", "Huur", " Huur", "CAK Zorgverzekeringen"]
    ),
    st.sampled_from(["111222333", "12345678", "023456784", "١٢٣٤٥٦٧٨٢", "10", "010", "99999", "100000"]),
    st.booleans(),
    st.integers(min_value=-5, max_value=10**9),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.text(min_size=95, max_size=205),
    st.lists(st.integers(), max_size=2),
)
reports = st.builds(
    lambda changes, dropped, extra: (
        {key: value for key, value in PLAIN.items() if key not in dropped} | changes | extra
    ),
    st.dictionaries(st.sampled_from(sorted(FIELDS)), odd_values, max_size=4),
    st.sets(st.sampled_from(sorted(FIELDS)), max_size=3),
    st.dictionaries(st.sampled_from(["colour", "Reference"]), st.just("x"), max_size=1),
)


@given(reports)
@example({key: value for key, value in PLAIN.items() if key != "bsn"} | {"last_name": "   "})
@hypothesis_settings(max_examples=3000, deadline=None)
def test_what_the_fast_path_accepts_the_full_validation_accepts_alike(data):
    plain = _plain_report(data, TODAY)

    full, errors = validate_fully(data, pointer="/0", today=TODAY)
    if plain is not None:
        assert (full, errors) == (plain, [])
    assert validate_report(data, pointer="/0", today=TODAY) == (full, errors)


def test_a_plain_report_takes_the_fast_path():
    assert _plain_report(PLAIN, TODAY) is not None
    assert _plain_report(PLAIN | {"house_number": " 10"}, TODAY) is None  # the full path strips it


@given(st.text(alphabet="0123456789٣ -", min_size=7, max_size=10))
@hypothesis_settings(max_examples=3000, deadline=None)
def test_bsn_eleven_test_agrees_with_stdnum(value):
    expected = value.isdigit() and len(value) in (8, 9) and stdnum_bsn.is_valid(value.zfill(9))

    assert is_valid_bsn(value) == expected
