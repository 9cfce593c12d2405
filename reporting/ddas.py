"""DDAS v0.9 export of a municipality's arrears reports and cases (for CBS), validated against the schema.

`build_document` is pure (plain dataclasses in, a dict out); `export_ddas` gathers the rows of one
municipality and period from the database.
"""

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

import jsonschema
from django.conf import settings

SCHEMA_PATH = (
    Path(settings.BASE_DIR) / "standards" / "ddas-vroegsignalering-v0.9" / "json_schema_Uitwisselmodel.json"
)
SUPPLIER_CODE = "DEBTSIGNAL"


@dataclass(frozen=True)
class DdasClient:
    bsn: str = ""
    initials: str = ""
    prefix: str = ""
    last_name: str = ""
    birth_date: dt.date | None = None
    street: str = ""
    postcode: str = ""
    house_number: str = ""
    house_number_suffix: str = ""
    city: str = ""


@dataclass(frozen=True)
class DdasSignal:
    id: str
    partner_type: str
    is_crisis: bool
    is_warm_handover: bool
    amount: Decimal
    arrears_since: dt.date
    signal_date: dt.date
    status: str | None
    client: DdasClient


@dataclass(frozen=True)
class DdasContactAttempt:
    kind: str
    is_reached: bool
    date: dt.date
    part_of_day: str


@dataclass(frozen=True)
class DdasCase:
    signal_ids: list[str]
    matched_on: dt.date
    picked_up_on: dt.date | None = None
    result: str | None = None
    contact_attempts: list[DdasContactAttempt] = field(default_factory=list)


@cache
def ddas_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _whole_euros(amount: Decimal) -> int:
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _client(client: DdasClient) -> dict:
    values = {
        "Burgerservicenummer": client.bsn,
        "Voorletters": client.initials,
        "Voorvoegsel": client.prefix,
        "Achternaam": client.last_name,
        "Geboortedatum": client.birth_date.isoformat() if client.birth_date else "",
        "Straatnaam": client.street,
        "Postcode": client.postcode,
        "Huisnummer": client.house_number,
        "Huisnummertoevoeging": client.house_number_suffix,
        "Plaatsnaam": client.city,
    }
    return {key: value for key, value in values.items() if value}


def _signal(signal: DdasSignal) -> dict:
    document = {
        "ID": signal.id,
        "crisissignaal": signal.is_crisis,
        "warmeOverdracht": signal.is_warm_handover,
        "bedrag": _whole_euros(signal.amount),
        "ontstaansdatum": signal.arrears_since.isoformat(),
        "signaaldatum": signal.signal_date.isoformat(),
        "signaalpartner": {"type": signal.partner_type},
        "client": _client(signal.client),
    }
    if signal.status:
        document["status"] = signal.status
    return document


def _case(case: DdasCase, *, start: dt.date, end: dt.date) -> dict:
    document: dict = {
        "matchingsdatum": case.matched_on.isoformat(),
        "startdatum_matchtingperiode": start.isoformat(),
        "einddatum_matchingperiode": end.isoformat(),
        "vroegsignalen": [{"ID": signal_id} for signal_id in sorted(set(case.signal_ids))],
        "contactpogingen": [
            {
                "soort": attempt.kind,
                "bereikt": attempt.is_reached,
                "datum": attempt.date.isoformat(),
                "dagdeel": attempt.part_of_day,
            }
            for attempt in case.contact_attempts
        ],
    }
    if case.picked_up_on:
        document["datum_opgepakt"] = case.picked_up_on.isoformat()
    if case.result:
        document["resultaat"] = case.result
    return document


def build_document(
    *,
    municipality_code: str,
    municipality_name: str,
    start: dt.date,
    end: dt.date,
    generated_at: dt.datetime,
    signals: list[DdasSignal],
    cases: list[DdasCase],
) -> dict:
    """Build one DDAS delivery file for one municipality and period."""
    delivery = {
        "teller": 1,
        "gemeentecode": municipality_code,
        "aanleverende_organisatie": {"naam": municipality_name},
        "vroegsignalen": [_signal(signal) for signal in signals],
        "vroegsignaalzaken": [_case(case, start=start, end=end) for case in cases if case.signal_ids],
    }
    return {
        "codeGegevensleverancier": SUPPLIER_CODE,
        "startdatumLevering": start.isoformat(),
        "einddatumLevering": end.isoformat(),
        "aanleverdatumEnTijd": generated_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "leveringen": [delivery],
    }


def validate_document(document: dict) -> None:
    """Raise `jsonschema.ValidationError` unless the document follows the DDAS v0.9 schema."""
    validator = jsonschema.Draft202012Validator(ddas_schema(), format_checker=jsonschema.FormatChecker())
    validator.validate(document)
