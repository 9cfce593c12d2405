"""Every file variant of domain.md section 3 and every kind of bad row, with the exact Dutch message."""

import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from stdnum.nl import bsn as stdnum_bsn

from intake import parsers
from intake.parsers import Message, RowError, StructuralError

JUNE = date(2026, 6, 1)
HEADER_EN = (
    "debtor_ref,bsn,initials,prefix,last_name,birth_date,street,house_number,house_number_suffix,"
    "postcode,city,district,category,claim_amount,instalment,paid_last_month,known_income,household_type,"
    "known_seizure"
)
ROW_EN = "D1,111222333,J.,van der,Berg,1980-02-01,Kerkstraat,12,a,1234 ab,Utrecht,Centrum,payer,1234.56,50,50.5,1400,alleenstaand,nee"
HEADER_NL = (
    "Debiteurnummer;BSN;Voorletters;Voorvoegsel;Achternaam;Geboortedatum;Straat;Huisnummer;Toevoeging;"
    "Postcode;Plaats;Wijk;Categorie;Openstaande vordering;Maandtermijn;Betaald vorige maand;Bekend inkomen;"
    "Huishouden;Bekend beslag"
)
ROW_NL = "D1;111222333;J.;van der;Berg;01-02-1980;Kerkstraat;12;a;1234AB;Utrecht;Centrum;Betaler;1.234,56;50;50,50;1400,00;alleenstaand;nee"

EXPECTED_DEBTOR = {
    "debtor_ref": "D1",
    "bsn": "111222333",
    "initials": "J.",
    "prefix": "van der",
    "last_name": "Berg",
    "birth_date": date(1980, 2, 1),
    "street": "Kerkstraat",
    "house_number": 12,
    "house_number_suffix": "a",
    "postcode": "1234AB",
    "city": "Utrecht",
    "district": "Centrum",
    "category": "payer",
    "claim_amount": 123456,
    "instalment": 5000,
    "paid_last_month": 5050,
    "known_income": 140000,
    "household_type": "alleenstaand",
    "known_seizure": False,
    "period": None,
}


def write(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "file.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def read_all(path: Path, kind: str = "debtors", period: date = JUNE, chunk_rows: int = 200_000):
    chunks = list(parsers.read_delivery(path, kind=kind, period=period, chunk_rows=chunk_rows))
    rows = [row for chunk in chunks for row in chunk.table.to_pylist()]
    errors = [error for chunk in chunks for error in chunk.errors]
    return rows, errors


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        pytest.param(f"{HEADER_EN}\n{ROW_EN}\n", "utf-8", id="english-comma-point-iso-utf8"),
        pytest.param(f"\ufeff{HEADER_EN}\r\n{ROW_EN}\r\n", "utf-8", id="bom-crlf"),
        pytest.param(f"{HEADER_NL}\n{ROW_NL}\n", "utf-8", id="dutch-semicolon-comma-ddmmyyyy"),
        pytest.param(f"{HEADER_NL}\n{ROW_NL}\n", "cp1252", id="windows-1252"),
        pytest.param(f"{HEADER_NL.upper()}\n{ROW_NL}", "utf-8", id="upper-case-headers-no-final-newline"),
        pytest.param(f"{HEADER_EN.replace('_', ' ').title()}\n{ROW_EN}\n", "utf-8", id="english-with-spaces"),
    ],
)
def test_debtor_file_variants_read_the_same(tmp_path, text, encoding):
    rows, errors = read_all(write(tmp_path, text, encoding))

    assert errors == []
    assert rows == [EXPECTED_DEBTOR]


def test_windows_1252_keeps_accents(tmp_path):
    text = f"{HEADER_NL}\n{ROW_NL.replace('Berg', 'Brückner').replace('Utrecht', 'Zoë')}\n"

    rows, _errors = read_all(write(tmp_path, text, "cp1252"))

    assert (rows[0]["last_name"], rows[0]["city"]) == ("Brückner", "Zoë")


def test_xlsx_with_typed_cells(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER_NL.split(";"))
    sheet.append(
        ["D1", 111222333, "J.", "van der", "Berg", date(1980, 2, 1), "Kerkstraat", 12, "a", "1234ab",
         "Utrecht", "Centrum", "BETALER", 1234.56, 50, 50.5, 1400, "alleenstaand", "nee"]
    )  # fmt: skip
    sheet.append([None] * 19)
    path = tmp_path / "debiteuren.xlsx"
    workbook.save(path)

    rows, errors = read_all(path)

    assert errors == []
    assert rows == [EXPECTED_DEBTOR]


def test_optional_columns_may_be_left_out(tmp_path):
    text = "debtor_ref,bsn,last_name,birth_date,house_number,postcode,category,claim_amount\nD9,111222333,Smit,1970-01-31,3,9999ZZ,vow,0\n"

    rows, errors = read_all(write(tmp_path, text))

    assert errors == []
    assert rows[0] | {"birth_date": None} == {
        **dict.fromkeys(EXPECTED_DEBTOR, None),
        "debtor_ref": "D9",
        "bsn": "111222333",
        "initials": "",
        "prefix": "",
        "last_name": "Smit",
        "street": "",
        "house_number": 3,
        "house_number_suffix": "",
        "postcode": "9999ZZ",
        "city": "",
        "district": "",
        "category": "vow",
        "claim_amount": 0,
        "known_seizure": False,
    }


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("bsn", "111222334", Message.BSN_CHECKSUM),
        ("bsn", "1112223334", Message.BSN_LENGTH),
        ("bsn", "11122233X", Message.BSN_FORMAT),
        ("bsn", "000000000", Message.BSN_CHECKSUM),
        ("bsn", "", Message.REQUIRED),
        ("birth_date", "1980-02-30", Message.DATE),
        ("birth_date", "31/01/1980", Message.DATE),
        ("birth_date", "", Message.REQUIRED),
        ("claim_amount", "-5", Message.NEGATIVE),
        ("claim_amount", "12.345", Message.AMOUNT),
        ("claim_amount", "twaalf", Message.AMOUNT),
        ("claim_amount", "12345678901", Message.TOO_LARGE),
        ("known_income", "99999999999.99", Message.TOO_LARGE),
        ("instalment", "1.2.3", Message.AMOUNT),
        ("category", "wanbetaler", Message.CATEGORY),
        ("category", "", Message.REQUIRED),
        ("postcode", "0123AB", Message.POSTCODE),
        ("postcode", "1234A", Message.POSTCODE),
        ("house_number", "12a", Message.HOUSE_NUMBER),
        ("house_number", "0", Message.HOUSE_NUMBER),
        ("household_type", "samenwonend", Message.HOUSEHOLD),
        ("known_seizure", "misschien", Message.FLAG),
        ("last_name", "x" * 201, Message.TOO_LONG.format(max_length=200)),
        ("last_name", "Jan\x00sen", Message.CONTROL),
        ("debtor_ref", "", Message.REQUIRED),
    ],
)
def test_bad_debtor_rows_are_reported_with_the_exact_message(tmp_path, column, value, message):
    values = dict(zip(HEADER_EN.split(","), ROW_EN.split(","), strict=True))
    good = ",".join(values.values())
    values[column] = value
    bad = ",".join(values.values())

    rows, errors = read_all(write(tmp_path, f"{HEADER_EN}\n{good.replace('D1', 'D0')}\n{bad}\n"))

    assert errors == [RowError(row=3, column=column, value=value, message=message)]
    assert [row["debtor_ref"] for row in rows] == ["D0"]


def test_accepted_spellings_of_categories_households_and_flags(tmp_path):
    lines = [HEADER_EN]
    for ref, category, household, flag in [
        ("A", "Niet-betaler", "Alleenstaande ouder", "JA"),
        ("B", "NON_PAYER", "gehuwd_met_kinderen", "1"),
        ("C", "vow-er", "", "no"),
        ("D", "VOW", "gehuwd", ""),
    ]:
        values = dict(zip(HEADER_EN.split(","), ROW_EN.split(","), strict=True))
        values |= {
            "debtor_ref": ref,
            "category": category,
            "household_type": household,
            "known_seizure": flag,
        }
        lines.append(",".join(values.values()))

    rows, errors = read_all(write(tmp_path, "\n".join(lines)))

    assert errors == []
    assert [(row["category"], row["household_type"], row["known_seizure"]) for row in rows] == [
        ("non_payer", "alleenstaande_ouder", True),
        ("non_payer", "gehuwd_met_kinderen", True),
        ("vow", None, False),
        ("vow", "gehuwd", False),
    ]


def test_leading_zeros_of_a_bsn_are_kept_and_restored(tmp_path):
    lines = [
        HEADER_EN,
        ROW_EN.replace("111222333", "012345672"),
        ROW_EN.replace("D1", "D2").replace("111222333", "12345672"),
    ]

    rows, errors = read_all(write(tmp_path, "\n".join(lines)))

    assert errors == []
    assert [row["bsn"] for row in rows] == ["012345672", "012345672"]


def test_a_duplicate_key_names_the_first_row_even_across_chunks(tmp_path):
    lines = [HEADER_EN] + [ROW_EN.replace("D1", f"D{n}") for n in range(1, 6)] + [ROW_EN.replace("D1", "D2")]

    rows, errors = read_all(write(tmp_path, "\n".join(lines)), chunk_rows=1)

    assert errors == [
        RowError(
            row=7,
            column="debtor_ref",
            value="D2",
            message="Dubbele regel: dit debiteurnummer staat ook in rij 3.",
        )
    ]
    assert len(rows) == 5


def test_a_file_repeated_after_itself_reports_each_later_row(tmp_path):
    # Some blocks of 64 KiB then hold only duplicates.
    rows = [ROW_EN.replace("D1", f"D{n}") for n in range(1, 1501)]

    rows_read, errors = read_all(write(tmp_path, "\n".join([HEADER_EN, *rows, *rows])), chunk_rows=1)

    assert len(rows_read) == 1500
    assert [(error.row, error.value) for error in errors] == [(1501 + n, f"D{n}") for n in range(1, 1501)]
    assert {error.message for error in errors} == {
        f"Dubbele regel: dit debiteurnummer staat ook in rij {n + 1}." for n in range(1, 1501)
    }
    assert [error.message for error in errors][
        -1
    ] == "Dubbele regel: dit debiteurnummer staat ook in rij 1501."


def test_without_the_duplicate_check_every_row_of_a_repeated_key_is_kept(tmp_path):
    lines = [HEADER_EN] + [ROW_EN.replace("D1", f"D{n}") for n in range(1, 4)] + [ROW_EN.replace("D1", "D2")]
    path = write(tmp_path, "\n".join(lines))

    chunks = list(
        parsers.read_delivery(path, kind="debtors", period=JUNE, chunk_rows=2, check_duplicates=False)
    )

    assert [error for chunk in chunks for error in chunk.errors] == []
    assert [ref for chunk in chunks for ref in chunk.table["debtor_ref"].to_pylist()] == [
        "D1",
        "D2",
        "D3",
        "D2",
    ]
    assert [int(row) for chunk in chunks for row in chunk.rows] == [2, 3, 4, 5]


def test_a_row_with_too_many_fields_is_a_row_error(tmp_path):
    lines = [HEADER_EN, ROW_EN, ROW_EN.replace("D1", "D2") + ",extra", ROW_EN.replace("D1", "D3")]

    rows, errors = read_all(write(tmp_path, "\n".join(lines)))

    assert [(error.row, error.message) for error in errors] == [(3, "Rij heeft 20 kolommen, verwacht 19.")]
    assert [row["debtor_ref"] for row in rows] == ["D1", "D3"]


@pytest.mark.parametrize(
    "bad_rows", [(2500,), (3000, 3001), (100, 2500, 2501)], ids=["later-block", "at-the-end", "both"]
)
def test_rows_with_a_wrong_field_count_keep_their_numbers_in_any_block(tmp_path, bad_rows):
    # 3000 rows of some 30 bytes span several 64 KiB blocks; pyarrow reports a bad row of the
    # next block while it reads the current one.
    day = date(2018, 1, 1).toordinal()
    lines = ["bsn,reference_date,balance"] + [
        f"111222333,{date.fromordinal(day + n)},{n}" for n in range(2, 3002)
    ]
    for row in bad_rows:
        lines[row - 1] += ",extra"

    chunks = list(
        parsers.read_delivery(write(tmp_path, "\n".join(lines)), kind="balances", period=JUNE, chunk_rows=1)
    )

    errors = [error for chunk in chunks for error in chunk.errors]
    assert [(error.row, error.value, error.message) for error in errors] == [
        (row, f"{lines[row - 1]}", "Rij heeft 4 kolommen, verwacht 3.") for row in bad_rows
    ]
    numbers = [int(row) for chunk in chunks for row in chunk.rows]
    balances = [value for chunk in chunks for value in chunk.table["balance"].to_pylist()]
    assert numbers == [row for row in range(2, 3002) if row not in bad_rows]
    assert balances == [row * 100 for row in numbers]
    assert sum(chunk.rows_read for chunk in chunks) == 3000


def test_with_threads_the_rows_and_their_numbers_are_the_same(tmp_path):
    # Several blocks, so Arrow's threads parse ahead; a bad BSN now and then, and a blank line.
    rows = [
        ROW_EN.replace("D1,111222333", f"D{n},{'1' if n % 400 == 0 else '111222333'}") for n in range(3000)
    ]
    rows.insert(1500, "")
    path = write(tmp_path, "\n".join([HEADER_EN, *rows]))

    def read(threads: bool) -> list:
        chunks = parsers.read_delivery(path, kind="debtors", period=JUNE, chunk_rows=500, threads=threads)
        return [(chunk.table.to_pylist(), chunk.rows.tolist(), chunk.errors) for chunk in chunks]

    with_threads = read(threads=True)
    assert len(with_threads) > 2
    assert sum(len(errors) for _table, _rows, errors in with_threads) == 8
    assert with_threads == read(threads=False)


def test_with_threads_a_wrong_field_count_asks_for_a_read_without_them(tmp_path):
    lines = [HEADER_EN, ROW_EN, ROW_EN.replace("D1", "D2") + ",extra", ROW_EN.replace("D1", "D3")]

    with pytest.raises(parsers.NeedsLineNumbers):
        list(
            parsers.read_delivery(
                write(tmp_path, "\n".join(lines)), kind="debtors", period=JUNE, threads=True
            )
        )


def test_blank_lines_are_skipped_and_rows_keep_their_numbers(tmp_path):
    lines = [HEADER_EN, ROW_EN, "", ROW_EN.replace("D1", "D2").replace("111222333", "1")]

    _rows, errors = read_all(write(tmp_path, "\n".join(lines)))

    assert [(error.row, error.message) for error in errors] == [(4, Message.BSN_CHECKSUM)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("", Message.EMPTY, id="empty-file"),
        pytest.param(f"{HEADER_EN}\n", Message.NO_ROWS, id="header-only"),
        pytest.param(f"{HEADER_EN},colour\n{ROW_EN},red\n", "Onbekende kolom: colour.", id="unknown-column"),
        pytest.param(
            HEADER_EN.replace("last_name,", "") + "\n",
            "Verplichte kolom ontbreekt: Achternaam (last_name).",
            id="missing-required-column",
        ),
        pytest.param(
            f"{HEADER_EN},Debiteurnummer\n{ROW_EN},D1\n",
            "Kolom komt meer dan eens voor: Debiteurnummer.",
            id="twice",
        ),
        pytest.param(
            f"{HEADER_EN},period\n{ROW_EN},2026-05\n",
            "Verkeerde periode in rij 2: 2026-05 hoort niet bij de levering voor 2026-06.",
            id="wrong-period",
        ),
    ],
)
def test_structural_problems_reject_the_whole_file(tmp_path, text, message):
    with pytest.raises(StructuralError) as raised:
        read_all(write(tmp_path, text))

    assert raised.value.message == message


def test_an_unreadable_xlsx_is_structural(tmp_path):
    path = write(tmp_path, "PK\x03\x04 this is no workbook", name="broken.xlsx")

    with pytest.raises(StructuralError) as raised:
        read_all(path)

    assert raised.value.message.startswith("Het bestand kan niet worden gelezen:")


INCOME_HEADER = "BSN;Periode;Loonheffingennummer;Naam inkomstenbron;Soort inkomen;Bedrag"


def test_income_file(tmp_path):
    text = (
        f"{INCOME_HEADER}\n"
        "111222333;2026-05;123456789L01;Bakkerij B.V.;loon;1.800,00\n"
        "111222333;2026-06;123456789L01;Bakkerij B.V.;Employment;1800\n"
        "111222333;2026-06;800000001L01;UWV;uitkering;120,5\n"
    )

    rows, errors = read_all(write(tmp_path, text), kind="income")

    assert errors == []
    assert rows == [
        {"bsn": "111222333", "period": date(2026, 5, 1), "source_id": "123456789L01", "source_name": "Bakkerij B.V.", "income_kind": "employment", "amount": 180000},
        {"bsn": "111222333", "period": date(2026, 6, 1), "source_id": "123456789L01", "source_name": "Bakkerij B.V.", "income_kind": "employment", "amount": 180000},
        {"bsn": "111222333", "period": date(2026, 6, 1), "source_id": "800000001L01", "source_name": "UWV", "income_kind": "benefit", "amount": 12050},
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("line", "column", "value", "message"),
    [
        ("111222333;2026-13;X1;A;loon;1", "Periode", "2026-13", Message.PERIOD),
        ("111222333;06-2026;X1;A;loon;1", "Periode", "06-2026", Message.PERIOD),
        ("111222333;2026-06;X1;A;salaris;1", "Soort inkomen", "salaris", Message.INCOME_KIND),
        ("111222333;2026-06;X1;A;loon;-1", "Bedrag", "-1", Message.NEGATIVE),
        ("111222333;2026-06;;A;loon;1", "Loonheffingennummer", "", Message.REQUIRED),
        (
            "111222333;2026-06;123456789L01;A;loon;1",
            "Loonheffingennummer",
            "123456789L01",
            "Dubbele regel: deze combinatie van BSN, periode en loonheffingennummer staat ook in rij 2.",
        ),
    ],
)
def test_bad_income_rows(tmp_path, line, column, value, message):
    text = f"{INCOME_HEADER}\n111222333;2026-06;123456789L01;A;loon;1\n{line}\n"

    _rows, errors = read_all(write(tmp_path, text), kind="income")

    assert errors == [RowError(row=3, column=column, value=value, message=message)]


def test_income_from_a_later_month_rejects_the_file(tmp_path):
    text = f"{INCOME_HEADER}\n111222333;2026-07;X1;A;loon;1\n"

    with pytest.raises(StructuralError) as raised:
        read_all(write(tmp_path, text), kind="income")

    assert (
        raised.value.message == "Verkeerde periode in rij 2: 2026-07 hoort niet bij de levering voor 2026-06."
    )


def test_balances_may_be_negative(tmp_path):
    text = "BSN,Peildatum,Saldo\n111222333,31-05-2026,-250.75\n012345672,2026-06-30,9000\n"

    rows, errors = read_all(write(tmp_path, text), kind="balances")

    assert errors == []
    assert rows == [
        {"bsn": "111222333", "reference_date": date(2026, 5, 31), "balance": -25075},
        {"bsn": "012345672", "reference_date": date(2026, 6, 30), "balance": 900000},
    ]


def test_vehicles_normalise_plates_and_reject_duplicates(tmp_path):
    text = "BSN;Kenteken;Datum tenaamstelling;Waarde\n111222333;ab-123-c;2025-01-15;12.000,00\n012345672;AB123C;;500\n111222333;A!;;1\n"

    rows, errors = read_all(write(tmp_path, text), kind="vehicles")

    assert rows == [
        {
            "bsn": "111222333",
            "plate": "AB123C",
            "registration_date": date(2025, 1, 15),
            "value": 1200000,
            "period": None,
        }
    ]
    assert errors == [
        RowError(
            row=3,
            column="Kenteken",
            value="AB123C",
            message="Dubbele regel: dit kenteken staat ook in rij 2.",
        ),
        RowError(row=4, column="Kenteken", value="A!", message=Message.PLATE),
    ]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_vectorised_eleven_proof_agrees_with_stdnum(number):
    import pyarrow as pa

    assert bool(parsers.bsn_is_valid(pa.array([number]))[0]) == (
        stdnum_bsn.is_valid(number) and int(number) > 0
    )


def _iso_date(text: str, *, with_day: bool) -> date | None:
    """The strict reading of a date (or a month), written out plainly: the parsers' oracle."""
    shape = r"[0-9]{4}-[0-9]{2}-[0-9]{2}" if with_day else r"[0-9]{4}-[0-9]{2}"
    if not re.fullmatch(shape, text):
        return None
    year, month, day = (int(part) for part in (text if with_day else f"{text}-01").split("-"))
    try:
        found = date(year, month, day)
    except ValueError:
        return None
    return found if 1850 <= year <= 2200 else None


_DATE_LIKE = st.one_of(
    st.dates(min_value=date(1800, 1, 1), max_value=date(2300, 12, 31)).map(str),
    st.builds(
        lambda year, month, day: f"{year:04d}-{month:02d}-{day:02d}",
        st.integers(0, 9999), st.integers(0, 99), st.integers(0, 99),
    ),
    st.builds(  # a valid date with one character swapped for another
        lambda day, place, other: str(day)[:place] + other + str(day)[place + 1 :],
        st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)),
        st.integers(0, 9), st.one_of(st.sampled_from("/:-0 "), st.characters(max_codepoint=0x700)),
    ),
    st.text(alphabet="0123456789-/: x\u0663", max_size=11),
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(_DATE_LIKE, min_size=1, max_size=20), st.booleans())
@example(["19:5-01-05", "2024-02-29", "2023-02-29", "1849-12-31", "2200-12-31", "2026-1-05", ""], True)
@example(["2026-00", "2026-12", "2026-13", "20/6-01", "2026-1", "2026-01-01", "1850-01"], False)
def test_dates_and_months_are_read_as_the_strict_reading_says(texts, with_day):
    import pyarrow as pa

    if not with_day:
        texts = [text[:7] for text in texts]
    expected = [_iso_date(text, with_day=with_day) for text in texts]
    # With a null too: it is read as an empty string, so it is invalid.
    for values, nulls in ((pa.array(texts), []), (pa.array([*texts, None]), [None])):
        dates, invalid = parsers.converters._parse_iso_dates(values, with_day=with_day)
        assert dates.to_pylist() == expected + nulls
        assert invalid.tolist() == [found is None for found in expected] + [True] * len(nulls)


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("0", 0),
        ("1", 100),
        ("1.5", 150),
        ("1,5", 150),
        ("1.234,56", 123456),
        ("€ 12,00", 1200),
        (" 7.05 ", 705),
        ("-3.10", -310),
    ],
)
def test_amounts_in_cents(text, cents):
    import pyarrow as pa

    values, invalid = parsers.parse_cents(pa.array([text.strip()]))

    assert (values.to_pylist(), invalid.tolist()) == ([cents], [False])


def test_a_carriage_return_inside_the_header_line_is_a_structural_error(tmp_path):
    path = tmp_path / "debiteuren.csv"
    path.write_bytes(b"debtor_ref,b\rsn,last_name\nD1,123456782,Jansen\n")

    with pytest.raises(parsers.StructuralError, match="Het bestand kan niet worden gelezen"):
        parsers.sniff_csv(path)
