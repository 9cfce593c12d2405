"""DDAS v0.9 export of a municipality's arrears reports and cases (for CBS), validated against the schema.

`build_document` is pure (plain dataclasses in, a dict out); `export_ddas` gathers the rows of one
municipality and period from the database; `ddas_download` serves it to managers.
"""

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

import jsonschema
from django import forms
from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from intake.arrears.ddas import EnumSignaalstatus
from intake.models import ArrearsCase, ArrearsReport
from tenancy.access import role_required
from tenancy.audit import record_access
from tenancy.models import Municipality, Role

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


def _signal_status(report: ArrearsReport) -> str | None:
    if report.result in EnumSignaalstatus.values:
        return report.result
    if report.status == ArrearsReport.Status.RECEIVED:
        return EnumSignaalstatus.NOG_NIET_OPGEPAKT
    return None


def _signal_id(report: ArrearsReport) -> str:
    return f"VS-{report.pk}"


def export_ddas(*, municipality: Municipality, start: dt.date, end: dt.date) -> dict:
    """Return the validated DDAS document of the reports signalled in [start, end] and their cases."""
    in_period = ArrearsReport.objects.for_municipality(municipality).filter(signal_date__range=(start, end))
    cases = list(
        ArrearsCase.objects.for_municipality(municipality)
        .filter(pk__in=in_period.exclude(case=None).values("case_id"))
        .prefetch_related("contact_attempts")
        .order_by("pk")
    )
    reports = (
        ArrearsReport.objects.for_municipality(municipality)
        .filter(Q(pk__in=in_period.values("pk")) | Q(case__in=cases))
        .order_by("pk")
    )
    signals, ids_of_case = [], defaultdict(list)
    for report in reports:
        signals.append(
            DdasSignal(
                id=_signal_id(report),
                partner_type=report.partner_type,
                is_crisis=report.crisis,
                is_warm_handover=report.warm_handover,
                amount=report.amount,
                arrears_since=report.arrears_since,
                signal_date=report.signal_date,
                status=_signal_status(report),
                client=DdasClient(
                    bsn=report.bsn,
                    initials=report.initials,
                    prefix=report.prefix,
                    last_name=report.last_name,
                    birth_date=report.birth_date,
                    street=report.street,
                    postcode=report.postcode,
                    house_number=report.house_number,
                    house_number_suffix=report.house_number_suffix,
                    city=report.city,
                ),
            )
        )
        if report.case_id:
            ids_of_case[report.case_id].append(_signal_id(report))
    document = build_document(
        municipality_code=municipality.code,
        municipality_name=municipality.name,
        start=start,
        end=end,
        generated_at=timezone.now(),
        signals=signals,
        cases=[
            DdasCase(
                signal_ids=ids_of_case[case.pk],
                matched_on=case.opened_on,
                picked_up_on=timezone.localtime(case.picked_up_at).date() if case.picked_up_at else None,
                result=case.result or None,
                contact_attempts=[
                    DdasContactAttempt(
                        kind=attempt.kind,
                        is_reached=attempt.is_reached,
                        date=timezone.localtime(attempt.happened_at).date(),
                        part_of_day=attempt.part_of_day,
                    )
                    for attempt in case.contact_attempts.all()
                ],
            )
            for case in cases
        ],
    )
    validate_document(document)
    return document


class DdasExportForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict:
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("The start date lies after the end date."))
        return data


@role_required(Role.MANAGER, Role.ADMINISTRATOR)
def ddas_download(request: HttpRequest) -> HttpResponse:
    form = DdasExportForm(request.GET or None)
    if not form.is_valid():
        return render(request, "arrears/ddas_export.html", {"form": form})
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    municipality = request.municipality  # type: ignore[attr-defined]
    document = export_ddas(municipality=municipality, start=start, end=end)
    record_access(
        municipality=municipality,
        request=request,
        action="export",
        object_type="reporting.ddas",
        detail={
            "start": start.isoformat(),
            "end": end.isoformat(),
            "reports": len(document["leveringen"][0]["vroegsignalen"]),
        },
    )
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="ddas-{municipality.code}-{start}-{end}.json"'
    return response
