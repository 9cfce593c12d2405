"""Read a small supplier's CSV file into the same report dicts the API accepts.

Only the shape is handled here (encoding, delimiter, header aliases, decimal comma, Dutch dates,
yes/no); the API serializer validates the values, so both entry points share one validation.
"""

import csv
import io
import re

FIELDS = {
    "reference": ("reference", "referentie", "kenmerk", "id"),
    "municipality_code": ("municipality_code", "gemeentecode", "gemeente"),
    "partner_type": ("partner_type", "signaalpartner", "type"),
    "crisis": ("crisis", "crisissignaal"),
    "warm_handover": ("warm_handover", "warmeoverdracht", "warme_overdracht"),
    "amount": ("amount", "bedrag"),
    "arrears_since": ("arrears_since", "ontstaansdatum"),
    "signal_date": ("signal_date", "signaaldatum"),
    "bsn": ("bsn", "burgerservicenummer"),
    "initials": ("initials", "voorletters"),
    "prefix": ("prefix", "voorvoegsel", "tussenvoegsel"),
    "last_name": ("last_name", "achternaam"),
    "birth_date": ("birth_date", "geboortedatum"),
    "street": ("street", "straatnaam", "straat"),
    "postcode": ("postcode",),
    "house_number": ("house_number", "huisnummer"),
    "house_number_suffix": ("house_number_suffix", "huisnummertoevoeging", "toevoeging"),
    "city": ("city", "plaatsnaam", "woonplaats"),
}
ALIASES = {alias: name for name, aliases in FIELDS.items() for alias in aliases}
BOOLEAN_FIELDS = ("crisis", "warm_handover")
DATE_FIELDS = ("arrears_since", "signal_date", "birth_date")
TRUE_WORDS = {"1", "true", "ja", "j", "yes", "y", "waar"}
FALSE_WORDS = {"", "0", "false", "nee", "n", "no", "onwaar"}


class UploadError(ValueError):
    pass


def decode(content: bytes) -> str:
    """Decode UTF-8 (with or without BOM), falling back to Windows-1252."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError:
        # Five bytes have no cp1252 character (0x81, 0x8d, 0x8f, 0x90, 0x9d): not a text file.
        raise UploadError("The file is not text in UTF-8 or Windows-1252.") from None


def _date(value: str) -> str:
    match = re.fullmatch(r"(\d{1,2})-(\d{1,2})-(\d{4})", value)
    if match:
        day, month, year = match.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}"
    return value


def _amount(value: str) -> str:
    value = value.replace(" ", "").replace("€", "")
    if "," in value:
        value = value.replace(".", "").replace(",", ".")
    return value


def _boolean(value: str) -> bool | str:
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return value


def read_reports(content: bytes) -> list[dict]:
    """Return one API-shaped dict per CSV row; raise `UploadError` when the file is unusable."""
    try:
        return _read_reports(content)
    except csv.Error as error:  # e.g. a stray carriage return inside a field: the whole file is refused
        raise UploadError(f"The file is not a readable CSV file: {error}.") from None


def _read_reports(content: bytes) -> list[dict]:
    text = decode(content)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise UploadError("The file is empty.") from None
    names = [ALIASES.get(column.strip().lower().replace(" ", "_")) for column in header]
    unknown = [column for column, name in zip(header, names, strict=True) if name is None and column.strip()]
    if unknown:
        raise UploadError(f"Unknown columns: {', '.join(unknown)}.")
    if "reference" not in names:
        raise UploadError("The column reference is missing.")
    reports = []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        report: dict = {}
        for name, cell in zip(names, row, strict=False):
            if name is None:
                continue
            value = cell.strip()
            if name in BOOLEAN_FIELDS:
                report[name] = _boolean(value)
            elif name in DATE_FIELDS:
                if value:
                    report[name] = _date(value)
            elif name == "amount":
                report[name] = _amount(value)
            elif value or name in ("reference",):
                report[name] = value
        reports.append(report)
    return reports
