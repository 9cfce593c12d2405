"""Use cases of reporting: letter templates, letters and print batches, management reports."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from functools import partial
from typing import Any

from django.core.files import File
from django.core.files.base import ContentFile
from django.db import OperationalError, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone, translation

from intake.arrears import rules as arrears_rules
from tenancy import queueing
from tenancy.models import Municipality
from workbaskets import services as workbasket_services
from workbaskets.models import WorkBasket, WorkItem

from . import figures as figures_module
from . import pdf, tasks
from .letter_content import ITEM_PREFETCH, consultant_name, letter_values, logo_data_uri, render_letter
from .letter_defaults import DEFAULT_LETTERS
from .models import Letter, LetterBatch, LetterKind, LetterTemplate, ManagementReport
from .report_content import render_report_pdf

logger = logging.getLogger(__name__)

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


# -- letters ------------------------------------------------------------------------------------


def part_of_day(moment: datetime) -> str:
    """DDAS part of day of a moment, in Dutch time (the rule itself is intake.arrears.rules')."""
    return arrears_rules.part_of_day(timezone.localtime(moment).time())


def _record_letter_on_item(*, letter: Letter) -> None:
    """Record the sent letter as a contact attempt "Brief" ("Kaartje" for the not-at-home card)."""
    item = letter.work_item
    if item.status == WorkItem.Status.CLOSED:
        return
    assert letter.rendered_at is not None
    workbasket_services.record_contact_attempt(
        item=item,
        kind="Kaartje" if letter.template.kind == LetterKind.NOT_AT_HOME else "Brief",
        reached=False,
        date=timezone.localdate(letter.rendered_at),
        part_of_day=part_of_day(letter.rendered_at),
        by=letter.created_by,
        note=f"{letter.template.name} (versie {letter.template.version})",
    )


def store_letter_file(letter: Letter, content: bytes) -> bool:
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
    values = letter_values(item=item, consultant=consultant_name(user), today=timezone.localdate())
    values.update({key: value for key, value in (extra or {}).items() if value})
    letter = Letter.objects.create(
        municipality_id=item.municipality_id,
        template=template,
        work_item=item,
        values=values,
        created_by=user,
    )
    store_letter_file(letter, render_letter(letter))
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
    consultant = consultant_name(user)
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
    transaction.on_commit(partial(enqueue_letter_batch, batch.pk))
    return batch


STALLED_BATCH_MINUTES = 2


def enqueue_letter_batch(batch_id: int) -> bool:
    """Queue a batch for a worker; with the broker down the batch stays pending, nothing is lost."""
    return queueing.enqueue(tasks.generate_letter_batch, batch_id, label="letter batch")


def requeue_pending_jobs(*, now: datetime | None = None) -> int:
    """Queue again letter batches and management reports still pending a while after they were made."""
    return queueing.requeue_pending(
        LetterBatch, tasks.generate_letter_batch, label="letter batch", minutes=STALLED_BATCH_MINUTES, now=now
    ) + queueing.requeue_pending(
        ManagementReport,
        tasks.generate_management_report,
        label="management report",
        minutes=STALLED_BATCH_MINUTES,
        now=now,
    )


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
    try:
        _render_and_merge(batch)
    except OperationalError:
        raise  # the database went away: the task retries, and the rerun skips finished letters
    except Exception as error:
        LetterBatch.objects.filter(pk=batch.pk).update(
            status=LetterBatch.Status.FAILED,
            message=f"{type(error).__name__}: {error}",
            finished_at=timezone.now(),
        )
        raise


def _render_and_merge(batch: LetterBatch) -> None:
    logo = logo_data_uri(batch.municipality)
    pending = (
        batch.letters.filter(file="")
        .select_related("template", "municipality", "work_item", "created_by")
        .order_by("pk")
    )
    done = batch.letters.exclude(file="").count()
    for letter in pending.iterator(chunk_size=100):
        store_letter_file(letter, render_letter(letter, logo=logo))
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
        transaction.on_commit(
            partial(queueing.enqueue, tasks.generate_management_report, report.pk, label="management report")
        )
    return report


def generate_management_report(*, report: ManagementReport) -> None:
    """Compute the figures of a report's period and render its PDF.

    A redelivered task (killed worker) finds the report still running and makes it again: the
    result only replaces the report's file and figures, so running twice does no harm.
    """
    unfinished = [ManagementReport.Status.PENDING, ManagementReport.Status.RUNNING]
    claimed = ManagementReport.objects.filter(pk=report.pk, status__in=unfinished).update(
        status=ManagementReport.Status.RUNNING
    )
    if not claimed:
        return  # finished or failed already
    report.refresh_from_db()
    try:
        _compute_and_render(report)
    except OperationalError:
        raise
    except Exception as error:
        ManagementReport.objects.filter(pk=report.pk).update(
            status=ManagementReport.Status.FAILED, message=f"{type(error).__name__}: {error}"
        )
        raise


def _compute_and_render(report: ManagementReport) -> None:
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
    report.message = ""
    report.finished_at = timezone.now()
    report.save(update_fields=["file", "figures", "status", "message", "finished_at"])


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
                transaction.on_commit(
                    partial(
                        queueing.enqueue,
                        tasks.generate_management_report,
                        report.pk,
                        label="management report",
                    )
                )
                started.append(report)
    return started
