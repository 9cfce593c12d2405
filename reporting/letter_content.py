"""What one letter says and shows: placeholder values from a work item, the letter document, its PDF.

Reads only: the use cases that store letters live in `services`.
"""

from __future__ import annotations

import base64
import mimetypes
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from tenancy.models import Municipality
from workbaskets.models import WorkItem

from . import formatting, markup, pdf
from .models import Letter

LETTER_TEMPLATE = "reporting/letters/letter.html"
RESPOND_WITHIN = timedelta(days=14)
DEFAULT_COLOUR = "#154273"

# How a letter names who reported the arrears (DDAS EnumSignaalpartner -> Dutch, B1).
PARTNER_PHRASES = {
    "Energie": "uw energieleverancier",
    "Huur": "uw verhuurder",
    "Hypotheek": "uw hypotheekverstrekker",
    "CAK Zorgverzekeringen": "het CAK, over uw zorgverzekering",
    "Zorg": "uw zorgverzekeraar",
    "Water": "uw waterbedrijf",
    "DUO": "DUO",
    "Belastingdienst": "de Belastingdienst",
    "CAK Eigen bijdrage": "het CAK, over uw eigen bijdrage",
    "Overige": "een bedrijf waar u moet betalen",
    "Dienst Toeslagen": "de Dienst Toeslagen",
}


@dataclass(frozen=True)
class LetterDocument:
    """Everything the letter layout shows; built from plain values so previews need no work item."""

    municipality_name: str
    colour: str
    logo_data_uri: str
    sender_lines: list[str]
    recipient_lines: list[str]
    date_label: str
    reference: str
    contact_line: str
    subject: str
    body_html: SafeString
    annex_html: SafeString
    consultant_name: str


def logo_data_uri(municipality: Municipality) -> str:
    """The municipality's logo inline, so the PDF renderer never opens a file or URL itself."""
    if not municipality.logo:
        return ""
    content_type = mimetypes.guess_type(municipality.logo.name or "")[0] or "image/png"
    with municipality.logo.open("rb") as file:
        return f"data:{content_type};base64,{base64.b64encode(file.read()).decode()}"


def municipality_place(municipality: Municipality) -> str:
    """'Zonnedal', also when the name is stored as 'Gemeente Zonnedal'."""
    name = municipality.name
    return name[len("gemeente ") :] if name.lower().startswith("gemeente ") else name


def municipality_title(municipality: Municipality) -> str:
    return f"Gemeente {municipality_place(municipality)}"


def municipality_colour(municipality: Municipality) -> str:
    colour = municipality.primary_colour or ""
    valid = (
        len(colour) == 7 and colour.startswith("#") and all(c in "0123456789abcdefABCDEF" for c in colour[1:])
    )
    return colour if valid else DEFAULT_COLOUR


def calculation_table(values: Mapping[str, str]) -> SafeString:
    """The instalment calculation of domain.md section 8 as a table, for the block {{ berekening }}."""
    rows = [
        ("Uw inkomen per maand", values.get("inkomen", ""), False),
        ("Beslagvrije voet: dit geld houdt u altijd", values.get("beslagvrije_voet", ""), False),
        ("Ruimte om af te lossen", values.get("aflossingsruimte", ""), False),
        ("Ons voorstel: u betaalt per maand", values.get("nieuwe_termijn", ""), True),
    ]
    return mark_safe(  # safe: the template escapes every value
        render_to_string("reporting/letters/_calculation.html", {"rows": rows})
    )


def letter_document(
    *,
    municipality: Municipality,
    subject: str,
    body: str,
    annex: str,
    values: Mapping[str, str],
    logo: str = "",
) -> LetterDocument:
    blocks = {"berekening": calculation_table(values)}
    recipient = values.get("adresregels", "")
    return LetterDocument(
        municipality_name=municipality_title(municipality),
        colour=municipality_colour(municipality),
        logo_data_uri=logo,
        sender_lines=[
            line
            for line in (
                municipality.address_line,
                f"{municipality.postcode} {municipality.city}".strip(),
                municipality.phone and f"Telefoon {municipality.phone}",
                municipality.email,
                municipality.website,
            )
            if line
        ],
        recipient_lines=[values.get("naam", "")] + [line for line in recipient.split("\n") if line],
        date_label=values.get("datum", ""),
        reference=values.get("kenmerk", ""),
        contact_line=", ".join(v for v in (values.get("consulent"), values.get("telefoon")) if v),
        subject=markup.fill(subject, values),
        body_html=mark_safe(markup.to_html(body, values, blocks)),  # safe: markup escapes all text
        annex_html=mark_safe(markup.to_html(annex, values, blocks)),  # safe: markup escapes all text
        consultant_name=values.get("consulent", ""),
    )


def render_letter_html(document: LetterDocument) -> str:
    return render_to_string(LETTER_TEMPLATE, {"letter": document})


def sample_values(municipality: Municipality, *, today: date) -> dict[str, str]:
    """Made-up values for the editor's preview: a fictitious person, never real data."""
    values = _municipality_values(municipality, consultant="A. Consulent", today=today)
    values.update(
        naam="J. de Vries",
        adresregels="Voorbeeldstraat 1\n1234 AB Voorbeeld",
        partner=PARTNER_PHRASES["Energie"],
        achterstand=formatting.money(Decimal("412.50")),
        bezoekdatum=formatting.long_date(today + timedelta(days=7)),
        bezoektijd="10.00 uur",
        vordering=formatting.money(Decimal("3250.00")),
        termijn=formatting.money(Decimal("50.00")),
        nieuwe_termijn=formatting.money(Decimal("175.00")),
        inkomen=formatting.money(Decimal("2100.00")),
        beslagvrije_voet=formatting.money(Decimal("1344.36")),
        aflossingsruimte=formatting.money(Decimal("314.83")),
    )
    return values


def _municipality_values(municipality: Municipality, *, consultant: str, today: date) -> dict[str, str]:
    respond_by = today + RESPOND_WITHIN
    start = (respond_by.replace(day=1) + timedelta(days=32)).replace(day=1)
    help_line = f"de gemeente {municipality.name}" + (
        f" op {municipality.phone}" if municipality.phone else ""
    )
    return {
        "gemeente": municipality.name,
        "datum": formatting.long_date(today),
        "consulent": consultant,
        "telefoon": municipality.phone,
        "email": municipality.email,
        "website": municipality.website,
        "schuldhulp": help_line,
        "reageer_voor": formatting.long_date(respond_by),
        "ingangsdatum": formatting.long_date(start),
    }


def _full_name(person: Any) -> str:
    return " ".join(part for part in (person.initials, person.prefix, person.last_name) if part)


def _address_lines(person: Any) -> str:
    house = " ".join(p for p in (person.street, f"{person.house_number}{person.house_number_suffix}") if p)
    postcode = person.postcode or ""
    if len(postcode) == 6:
        postcode = f"{postcode[:4]} {postcode[4:]}"
    return "\n".join(line for line in (house, f"{postcode} {person.city}".strip()) if line)


def _amount(value: Any) -> Decimal | None:
    try:
        return None if value in (None, "") else Decimal(str(value))
    except InvalidOperation:
        return None


def _evidence_amount(evidence: Mapping[str, Any], *names: str) -> Decimal | None:
    """Find an amount in signal evidence, at the top or one level down (e.g. evidence['bvv'])."""
    for name in names:
        if not isinstance(evidence.get(name), dict) and (found := _amount(evidence.get(name))) is not None:
            return found
    for nested in evidence.values():
        if isinstance(nested, dict) and (found := _evidence_amount(nested, *names)) is not None:
            return found
    return None


ITEM_PREFETCH = ("case__reports", "debtor__snapshots", "signals")


def letter_values(*, item: WorkItem, consultant: str, today: date) -> dict[str, str]:
    """Fill the placeholders for one work item: the person, amounts, dates and contacts.

    Reads related rows through `.all()`, so a batch that prefetches ITEM_PREFETCH costs no query per item.
    """
    municipality = item.municipality
    values = _municipality_values(municipality, consultant=consultant, today=today)
    values["kenmerk"] = f"{municipality.code}-{item.pk}"
    if item.case is not None:
        case = item.case
        values["naam"] = _full_name(case)
        values["adresregels"] = _address_lines(case)
        reports = list(case.reports.all())
        open_reports = [r for r in reports if not r.result] or reports
        if open_reports:  # otherwise the placeholders stay visibly unfilled
            partner_types = list(dict.fromkeys(r.partner_type for r in open_reports))
            values["partner"] = " en ".join(PARTNER_PHRASES.get(p, p) for p in partner_types)
            values["achterstand"] = formatting.money(sum((r.amount for r in open_reports), Decimal(0)))
    if item.debtor is not None:
        debtor = item.debtor
        snapshot = max(debtor.snapshots.all(), key=lambda s: s.period, default=None)
        if item.case_id is None:
            values["naam"] = _full_name(debtor)
            values["adresregels"] = _address_lines(snapshot) if snapshot is not None else ""
        if snapshot is not None:
            values["vordering"] = formatting.money(snapshot.claim_amount)
            if snapshot.instalment is not None:
                values["termijn"] = formatting.money(snapshot.instalment)
        for signal in sorted(item.signals.all(), key=lambda s: s.period, reverse=True):
            evidence = signal.evidence or {}
            # The BVV figures (thresholds.bvv, docs/bvv.md) rest on C, the yearly income: the letter
            # shows C / 12, the same monthly income the BVV and the capacity were computed from.
            yearly = _evidence_amount(evidence, "yearly_income")
            if "inkomen" not in values and yearly is not None:
                values["inkomen"] = formatting.money(yearly / 12)
            for name, keys in (
                ("inkomen", ("income", "monthly_income", "inc")),
                ("beslagvrije_voet", ("bvv", "beslagvrije_voet")),
                ("aflossingsruimte", ("capacity", "repayment_capacity")),
                ("nieuwe_termijn", ("proposed_instalment", "instalment_proposed")),
            ):
                if name not in values and (found := _evidence_amount(evidence, *keys)) is not None:
                    values[name] = formatting.money(found)
    return values


def consultant_name(user: Any) -> str:
    if user is None:
        return "Team Geldzaken"  # letters made without a person, e.g. the demo
    return user.get_full_name() or user.get_username()


def render_letter(letter: Letter, *, logo: str | None = None) -> bytes:
    """Render one stored letter to PDF from its template version and its stored values."""
    municipality = letter.municipality
    document = letter_document(
        municipality=municipality,
        subject=letter.template.subject,
        body=letter.template.body,
        annex=letter.template.annex,
        values=letter.values,
        logo=logo_data_uri(municipality) if logo is None else logo,
    )
    return pdf.html_to_pdf(render_letter_html(document))
