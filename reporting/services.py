"""Use cases of reporting: letter templates, letters and print batches, management reports."""

from __future__ import annotations

import base64
import csv
import io
import mimetypes
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from tenancy.models import Municipality
from workbaskets.models import WorkBasket, WorkItem

from . import charts, formatting, markup, pdf, tasks
from . import figures as figures_module
from .letter_defaults import DEFAULT_LETTERS
from .models import Letter, LetterBatch, LetterKind, LetterTemplate, ManagementReport

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


# -- letter templates ---------------------------------------------------------------------------


def create_default_letter_templates(*, municipality: Municipality) -> None:
    """Give a new municipality the default B1 letter templates of domain.md section 7."""
    LetterTemplate.objects.bulk_create(
        [
            LetterTemplate(
                municipality=municipality,
                kind=text.kind,
                version=1,
                name=text.name,
                subject=text.subject,
                body=text.body,
                annex=text.annex,
            )
            for text in DEFAULT_LETTERS
        ],
        ignore_conflicts=True,  # running the defaults twice changes nothing
    )


@transaction.atomic
def save_letter_template(
    *, template: LetterTemplate, name: str, subject: str, body: str, annex: str, user: Any
) -> LetterTemplate:
    """Store an edit of a letter template as its next version; earlier letters keep their version."""
    latest = (
        LetterTemplate.objects.select_for_update()
        .filter(municipality_id=template.municipality_id, kind=template.kind)
        .aggregate(version=Max("version"))["version"]
    )
    return LetterTemplate.objects.create(
        municipality_id=template.municipality_id,
        kind=template.kind,
        version=(latest or 0) + 1,
        name=name,
        subject=subject,
        body=body,
        annex=annex,
        created_by=user,
    )


# -- the contents of one letter -----------------------------------------------------------------


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
    content_type = mimetypes.guess_type(municipality.logo.name)[0] or "image/png"
    with municipality.logo.open("rb") as file:
        return f"data:{content_type};base64,{base64.b64encode(file.read()).decode()}"


def municipality_place(municipality: Municipality) -> str:
    """'Zonnedal', also when the name is stored as 'Gemeente Zonnedal'."""
    name = municipality.name
    return name[len("gemeente ") :] if name.lower().startswith("gemeente ") else name


def municipality_title(municipality: Municipality) -> str:
    return f"Gemeente {municipality_place(municipality)}"


def _colour(municipality: Municipality) -> str:
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
        colour=_colour(municipality),
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
    if item.case_id is not None:
        case = item.case
        values["naam"] = _full_name(case)
        values["adresregels"] = _address_lines(case)
        reports = list(case.reports.all())
        open_reports = [r for r in reports if not r.result] or reports
        if open_reports:  # otherwise the placeholders stay visibly unfilled
            partner_types = list(dict.fromkeys(r.partner_type for r in open_reports))
            values["partner"] = " en ".join(PARTNER_PHRASES.get(p, p) for p in partner_types)
            values["achterstand"] = formatting.money(sum((r.amount for r in open_reports), Decimal(0)))
    if item.debtor_id is not None:
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
            for name, keys in (
                ("inkomen", ("income", "monthly_income", "inc")),
                ("beslagvrije_voet", ("bvv", "beslagvrije_voet")),
                ("aflossingsruimte", ("capacity", "repayment_capacity")),
                ("nieuwe_termijn", ("proposed_instalment", "instalment_proposed")),
            ):
                if name not in values and (found := _evidence_amount(evidence, *keys)) is not None:
                    values[name] = formatting.money(found)
    return values


def _consultant_name(user: Any) -> str:
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


# -- letters ------------------------------------------------------------------------------------


def part_of_day(moment: datetime) -> str:
    """DDAS EnumDagdeel of a moment in local time: Ochtend < 12:00, Middag 12-18, Avond >= 18:00."""
    hour = timezone.localtime(moment).hour
    return "Ochtend" if hour < 12 else "Middag" if hour < 18 else "Avond"


def _record_letter_on_item(*, letter: Letter) -> None:
    """Record the sent letter as a contact attempt "Brief" ("Kaartje" for the not-at-home card).

    The work-basket app owns contact attempts and the item's timeline; its `record_contact_attempt`
    puts the attempt on the timeline. Until that service is merged the Letter row (template
    version, who, when) is the only record, and there is nothing to call.
    """
    from workbaskets import services as workbasket_services

    record_contact_attempt = getattr(workbasket_services, "record_contact_attempt", None)
    item = letter.work_item
    if record_contact_attempt is None or item.status == WorkItem.Status.CLOSED:
        return
    assert letter.rendered_at is not None
    record_contact_attempt(
        item=item,
        kind="Kaartje" if letter.template.kind == LetterKind.NOT_AT_HOME else "Brief",
        reached=False,
        date=timezone.localdate(letter.rendered_at),
        part_of_day=part_of_day(letter.rendered_at),
        by=letter.created_by,
        note=f"{letter.template.name} (versie {letter.template.version})",
    )


def _store_rendered(letter: Letter, content: bytes) -> bool:
    """Save the PDF and record the letter on its item, once; False when another run got there first."""
    with transaction.atomic():
        locked = Letter.objects.select_for_update().get(pk=letter.pk)
        if locked.file:
            return False
        letter.rendered_at = timezone.now()
        letter.file.save(
            f"brief-{letter.municipality.code}-{letter.pk}.pdf", ContentFile(content), save=False
        )
        letter.save(update_fields=["file", "rendered_at"])
        _record_letter_on_item(letter=letter)
    return True


def write_letter(
    *, item: WorkItem, template: LetterTemplate, user: Any, extra: Mapping[str, str] | None = None
) -> Letter:
    """Write one letter for a work item now (rendered in the request: one letter takes ~50 ms)."""
    if template.municipality_id != item.municipality_id:
        raise ValueError("template and work item belong to different municipalities")
    values = letter_values(item=item, consultant=_consultant_name(user), today=timezone.localdate())
    values.update({key: value for key, value in (extra or {}).items() if value})
    letter = Letter.objects.create(
        municipality_id=item.municipality_id,
        template=template,
        work_item=item,
        values=values,
        created_by=user,
    )
    _store_rendered(letter, render_letter(letter))
    return letter


@transaction.atomic
def start_letter_batch(
    *,
    template: LetterTemplate,
    items: Iterable[WorkItem] | QuerySet[WorkItem],
    user: Any,
    basket: WorkBasket | None = None,
    extra: Mapping[str, str] | None = None,
) -> LetterBatch:
    """Create a print batch with one letter per item, and enqueue its generation."""
    today = timezone.localdate()
    consultant = _consultant_name(user)
    batch = LetterBatch.objects.create(
        municipality_id=template.municipality_id, template=template, basket=basket, created_by=user
    )
    letters = []
    if isinstance(items, QuerySet):
        items = items.select_related("municipality", "case", "debtor").prefetch_related(*ITEM_PREFETCH)
    for item in items:
        if item.municipality_id != template.municipality_id:
            raise ValueError("template and work item belong to different municipalities")
        values = letter_values(item=item, consultant=consultant, today=today)
        values.update({key: value for key, value in (extra or {}).items() if value})
        letters.append(
            Letter(
                municipality_id=template.municipality_id,
                template=template,
                work_item=item,
                batch=batch,
                values=values,
                created_by=user,
            )
        )
    Letter.objects.bulk_create(letters, batch_size=500)
    batch.letters_total = len(letters)
    batch.save(update_fields=["letters_total"])
    transaction.on_commit(partial(tasks.generate_letter_batch.delay, batch.pk))
    return batch


PROGRESS_EVERY = 10


def generate_letter_batch(*, batch: LetterBatch) -> None:
    """Render every letter of a batch that has no file yet, then merge them into one print file.

    Safe to run again after a killed worker: letters that already have their file are skipped,
    so no letter is rendered or recorded twice.
    """
    claimed = LetterBatch.objects.filter(
        pk=batch.pk, status__in=[LetterBatch.Status.PENDING, LetterBatch.Status.RUNNING]
    ).update(status=LetterBatch.Status.RUNNING, started_at=timezone.now())
    if not claimed:
        return  # finished or failed already
    logo = logo_data_uri(batch.municipality)
    pending = (
        batch.letters.filter(file="")
        .select_related("template", "municipality", "work_item", "created_by")
        .order_by("pk")
    )
    done = batch.letters.exclude(file="").count()
    for letter in pending.iterator(chunk_size=100):
        _store_rendered(letter, render_letter(letter, logo=logo))
        done += 1
        if done % PROGRESS_EVERY == 0:
            LetterBatch.objects.filter(pk=batch.pk).update(letters_done=done)
    with tempfile.TemporaryFile() as merged:
        letters = batch.letters.order_by("pk")
        pdf.merge_pdfs((_letter_file(letter) for letter in letters.iterator(chunk_size=100)), merged)
        merged.seek(0)
        batch.file.save(f"printbatch-{batch.municipality.code}-{batch.pk}.pdf", File(merged), save=False)
    batch.letters_done = done
    batch.status = LetterBatch.Status.FINISHED
    batch.finished_at = timezone.now()
    batch.save(update_fields=["file", "letters_done", "status", "finished_at"])


def _letter_file(letter: Letter) -> bytes:
    with letter.file.open("rb") as file:
        return file.read()


# -- management reports -------------------------------------------------------------------------

REPORT_TEMPLATE = "reporting/report/report.html"


def report_charts(figures: figures_module.Figures) -> dict[str, SafeString]:
    """The SVG charts of the report, drawn from its tables."""
    tables = figures.tables
    trend = tables["signal_trend"]
    months = [formatting.month_label(date.fromisoformat(f"{row[0]}-01")) for row in trend.rows]
    lines = [
        charts.Series(str(name), [int(row[index] or 0) for row in trend.rows])
        for index, name in enumerate(trend.columns[1:], start=1)
    ]
    partner = tables["arrears_partner"]
    basket_table = tables["baskets"]
    collection = tables["collection"]
    drawn = {
        "signal_trend": charts.line_chart(months, lines, title=trend.title),
        "arrears_partner": charts.bar_chart(
            [str(row[0]) for row in partner.rows],
            [int(row[1] or 0) for row in partner.rows],
            title=partner.title,
        ),
        "baskets": charts.bar_chart(
            [str(row[0]) for row in basket_table.rows],
            [int(row[1] or 0) for row in basket_table.rows],
            title=f"{basket_table.title}: {basket_table.columns[1]}",
        ),
        "collection": charts.bar_chart(
            [str(row[0]) for row in collection.rows],
            [Decimal(str(row[4])) if row[4] is not None else 0 for row in collection.rows],
            title=f"{collection.title} (%)",
        ),
    }
    return {key: mark_safe(svg) for key, svg in drawn.items()}  # safe: charts escape every label


def render_report_pdf(*, municipality: Municipality, figures: figures_module.Figures) -> bytes:
    context = {
        "municipality": municipality,
        "colour": _colour(municipality),
        "logo_data_uri": logo_data_uri(municipality),
        "figures": figures,
        "period_label": f"{formatting.MONTHS[figures.period.month - 1]} {figures.period.year}",
        "charts": report_charts(figures),
        "generated_on": formatting.long_date(timezone.localdate()),
    }
    with translation.override("nl"):
        return pdf.render_pdf(REPORT_TEMPLATE, context)


def request_management_report(*, municipality: Municipality, period: date, user: Any) -> ManagementReport:
    """Ask for (a fresh copy of) the report of one period; a worker makes it."""
    with transaction.atomic():
        report, created = ManagementReport.objects.select_for_update().get_or_create(
            municipality=municipality, period=period, defaults={"requested_by": user}
        )
        if not created and report.status != ManagementReport.Status.RUNNING:
            report.status = ManagementReport.Status.PENDING
            report.requested_by = user
            report.save(update_fields=["status", "requested_by"])
        transaction.on_commit(partial(tasks.generate_management_report.delay, report.pk))
    return report


def generate_management_report(*, report: ManagementReport) -> None:
    """Compute the figures of a report's period and render its PDF."""
    claimed = ManagementReport.objects.filter(pk=report.pk, status=ManagementReport.Status.PENDING).update(
        status=ManagementReport.Status.RUNNING
    )
    if not claimed:
        return  # another worker has it, or it is done
    report.refresh_from_db()
    municipality = report.municipality
    with translation.override("nl"):
        figures = figures_module.management_figures(municipality=municipality, period=report.period)
    content = render_report_pdf(municipality=municipality, figures=figures)
    if report.file:
        report.file.delete(save=False)
    report.file.save(
        f"managementrapportage-{municipality.code}-{report.period:%Y-%m}.pdf",
        ContentFile(content),
        save=False,
    )
    report.figures = figures.to_json()
    report.status = ManagementReport.Status.FINISHED
    report.finished_at = timezone.now()
    report.save(update_fields=["file", "figures", "status", "finished_at"])


def start_due_management_reports(*, today: date | None = None) -> list[ManagementReport]:
    """Start last month's report for every municipality that does not have it yet (daily beat tick)."""
    today = today or timezone.localdate()
    period = figures_module.add_months(today.replace(day=1), -1)
    started = []
    for municipality in Municipality.objects.exclude(
        pk__in=ManagementReport.objects.filter(period=period).values("municipality")
    ):
        with transaction.atomic():
            report, created = ManagementReport.objects.get_or_create(municipality=municipality, period=period)
            if created:
                transaction.on_commit(partial(tasks.generate_management_report.delay, report.pk))
                started.append(report)
    return started


# -- exports ------------------------------------------------------------------------------------


def _plain(value: figures_module.Cell) -> str | int | float | None:
    if isinstance(value, Decimal):
        return float(value)
    return value


def figures_csv(table: figures_module.Table) -> str:
    """One table as CSV (semicolon, decimal comma: what Dutch Excel opens without a wizard)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow(
            [
                "" if value is None else str(value).replace(".", ",") if isinstance(value, Decimal) else value
                for value in row
            ]
        )
    return buffer.getvalue()


def figures_xlsx(figures: figures_module.Figures) -> bytes:
    """Every table of the report on its own sheet."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in figures.tables.values():
        sheet = workbook.create_sheet(title=table.key[:31])
        sheet.append([table.title])
        sheet.append(table.columns)
        for row in table.rows:
            sheet.append([_plain(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
