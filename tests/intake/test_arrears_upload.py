import pytest

from intake.arrears.upload import UploadError, read_reports


def test_dutch_headers_semicolons_decimal_comma_and_dutch_dates():
    content = (
        "\ufeffKenmerk;Gemeentecode;Bedrag;Ontstaansdatum;Signaaldatum;Crisissignaal;BSN\n"
        "R-1;0363;1.234,50;01-02-2026;15-03-2026;ja;012345672\n"
    ).encode()

    assert read_reports(content) == [
        {
            "reference": "R-1",
            "municipality_code": "0363",
            "amount": "1234.50",
            "arrears_since": "2026-02-01",
            "signal_date": "2026-03-15",
            "crisis": True,
            "bsn": "012345672",
        }
    ]


def test_windows_1252_and_commas():
    content = "reference,last_name,amount,warm_handover\nR-2,Çelik,12.5,nee\n".encode("cp1252")

    assert read_reports(content) == [
        {"reference": "R-2", "last_name": "Çelik", "amount": "12.5", "warm_handover": False}
    ]


def test_unknown_column_is_refused():
    with pytest.raises(UploadError, match=r"Unknown columns: colour\."):
        read_reports(b"reference,colour\nR-1,red\n")


def test_blank_lines_are_skipped():
    assert read_reports(b"reference\nR-1\n\n  \nR-2\n") == [{"reference": "R-1"}, {"reference": "R-2"}]
