"""Delivery kinds, their column layouts, the Dutch messages and header mapping."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass


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
    TOO_LARGE = "Bedrag is te groot: hoogstens 10 cijfers voor de komma."
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
        message = message.replace("\x00", "")  # it may quote a header with a NUL; no text column stores one
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
