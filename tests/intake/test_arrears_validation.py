import datetime as dt
from decimal import Decimal

from intake.arrears.validation import FieldError, validate_report

TODAY = dt.date(2026, 6, 1)
VALID = {
    "reference": "INV-2026-001",
    "municipality_code": "GM0363",
    "partner_type": "Huur",
    "crisis": True,
    "amount": "612.50",
    "arrears_since": "2026-03-01",
    "signal_date": "2026-05-01",
    "bsn": "123456782",
    "last_name": "Dijk",
}


def test_valid_report_is_typed_and_normalised():
    report, errors = validate_report(VALID, pointer="/0", today=TODAY)

    assert errors == []
    assert (
        report.municipality_code,
        report.amount,
        report.is_crisis,
        report.is_warm_handover,
        report.bsn,
    ) == (
        "0363",
        Decimal("612.50"),
        True,
        False,
        "123456782",
    )


def test_errors_carry_json_pointers():
    data = {**VALID, "amount": "12,5", "bsn": "123456789", "colour": "red", "crisis": "yes"}

    report, errors = validate_report(data, pointer="/reports/7", today=TODAY)

    assert report is None
    assert errors == [
        FieldError("/reports/7/colour", "Unknown field."),
        FieldError("/reports/7/amount", 'Must be a decimal number, e.g. "125.50".'),
        FieldError("/reports/7/bsn", "Must be a valid BSN (9 digits, eleven test)."),
        FieldError("/reports/7/crisis", "Must be true or false."),
    ]


def test_without_bsn_the_matching_fields_are_required():
    data = {key: value for key, value in VALID.items() if key not in ("bsn", "last_name")}

    _, errors = validate_report(data, pointer="", today=TODAY)

    assert [error.pointer for error in errors] == ["/birth_date", "/postcode", "/house_number", "/last_name"]


def test_arrears_after_signal_and_future_signal_are_refused():
    data = {**VALID, "arrears_since": "2026-06-10", "signal_date": "2026-06-05"}

    _, errors = validate_report(data, pointer="", today=TODAY)

    assert errors == [
        FieldError("/signal_date", "Must not lie in the future."),
        FieldError("/arrears_since", "Must not be after signal_date."),
    ]


def test_not_an_object():
    assert validate_report([], pointer="/3", today=TODAY) == (None, [FieldError("/3", "Must be an object.")])


def test_address_without_bsn():
    data = {key: value for key, value in VALID.items() if key != "bsn"}
    data |= {"birth_date": "1985-06-15", "postcode": "1234 ab", "house_number": 10}

    report, errors = validate_report(data, pointer="", today=TODAY)

    assert errors == []
    assert (report.postcode, report.house_number, report.bsn) == ("1234AB", "10", "")
