"""Benchmark: a print batch of 1,000 letters against WeasyPrint alone rendering the same documents.

    DATABASE_URL=postgres://... .venv/bin/python bench/letters.py [--scale 0.1]

In one run it:
1. creates a throw-away municipality with N work items (debtor, snapshot, INCOME_RISE signal with
   BVV evidence) and starts a batch of the instalment review letter (one letter per item);
2. renders the batch's N HTML documents with WeasyPrint alone: the floor;
3. runs our batch job (the Celery task's service: render, store each letter, record it, merge the
   print file) on the same N letters;
4. runs the job on a quarter of the letters first and compares peak memory: flat means the
   1,000-letter batch needs no more memory than the 250-letter one.
Besides wall time it prints the ratio of CPU time of this process, which other work on a shared
machine disturbs far less.
Everything happens in a transaction that is rolled back, with files in a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
MEDIA = tempfile.TemporaryDirectory(prefix="bench-letters-")
os.environ["DEBTSIGNAL_VAR_DIR"] = MEDIA.name
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

import django  # noqa: E402

django.setup()

import logging  # noqa: E402

import psutil  # noqa: E402
from django.db import transaction  # noqa: E402

logging.getLogger("weasyprint").setLevel(logging.WARNING)  # per-page progress lines, for both sides

RATIO_GOAL = 1.3
MEMORY_GOAL_MB = 20


class PeakMemory:
    """Sample this process's resident memory in a thread and keep the peak."""

    def __init__(self) -> None:
        self.process = psutil.Process()
        self.peak = 0
        self._running = False

    def __enter__(self) -> PeakMemory:
        self.peak = self.process.memory_info().rss
        self._running = True
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while self._running:
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.05)

    def __exit__(self, *exc: object) -> None:
        self._running = False
        self._thread.join()


def make_items(count: int):  # type: ignore[no-untyped-def]
    """Bulk-create a municipality with `count` debtor work items (synthetic people)."""
    import datetime
    from decimal import Decimal

    from intake.models import Debtor, DebtorSnapshot
    from signals.models import Signal, SignalType
    from tenancy.models import Municipality
    from tenancy.services import create_municipality
    from workbaskets.models import WorkBasket, WorkItem

    if Municipality.objects.filter(code="9990").exists():
        sys.exit("municipality 9990 exists already: not a clean database")
    municipality = create_municipality(
        code="9990",
        name="Gemeente Bankendam",
        address_line="Postbus 1",
        postcode="9990 AA",
        city="Bankendam",
        phone="14 0990",
        email="geldzaken@bankendam.example",
        website="https://www.bankendam.example",
    )
    period = datetime.date(2026, 10, 1)
    basket = WorkBasket.objects.create(municipality=municipality, name="Bench", position=999)
    debtors = Debtor.objects.bulk_create(
        Debtor(
            municipality=municipality,
            debtor_ref=f"B{number:06d}",
            bsn="999999990",
            initials="A.B.",
            prefix="van",
            last_name=f"Dijk{number}",
            birth_date=datetime.date(1975, 1, 1),
            first_period=datetime.date(2024, 1, 1),
        )
        for number in range(count)
    )
    DebtorSnapshot.objects.bulk_create(
        DebtorSnapshot(
            municipality=municipality,
            debtor=debtor,
            period=period,
            category="payer",
            claim_amount=Decimal("4100.00") + number,
            instalment=Decimal("40.00"),
            paid_last_month=Decimal("40.00"),
            street="Laan",
            house_number=str(number + 1),
            postcode="9990AB",
            city="Bankendam",
        )
        for number, debtor in enumerate(debtors)
    )
    signals = Signal.objects.bulk_create(
        Signal(
            municipality=municipality,
            debtor=debtor,
            type=SignalType.INCOME_RISE,
            period=period,
            category="payer",
            evidence={
                "income": "2250.00",
                "bvv": {"bvv": "1344.36", "capacity": "367.33", "proposed_instalment": "180.00"},
            },
        )
        for debtor in debtors
    )
    items = WorkItem.objects.bulk_create(
        WorkItem(municipality=municipality, kind=WorkItem.Kind.DEBTOR_SIGNAL, basket=basket, debtor=debtor)
        for debtor in debtors
    )
    WorkItem.signals.through.objects.bulk_create(
        WorkItem.signals.through(workitem_id=item.pk, signal_id=signal.pk)
        for item, signal in zip(items, signals, strict=True)
    )
    return municipality, WorkItem.objects.filter(basket=basket).order_by("pk")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the 1,000 letters")
    arguments = parser.parse_args()
    count = max(8, int(1000 * arguments.scale))

    from pypdf import PdfReader
    from weasyprint import HTML

    from reporting import letter_content, pdf, services
    from reporting.models import LetterKind, LetterTemplate

    with transaction.atomic():
        municipality, items = make_items(count)
        template = LetterTemplate.objects.for_municipality(municipality).get(
            kind=LetterKind.INSTALMENT_REVIEW
        )
        started = time.perf_counter()
        batch = services.start_letter_batch(template=template, items=items, user=None)
        start_seconds = time.perf_counter() - started
        quarter = services.start_letter_batch(template=template, items=items[: count // 4], user=None)

        # The floor: WeasyPrint alone on exactly the HTML our job renders (made beforehand, untimed).
        logo = letter_content.logo_data_uri(municipality)
        documents = [
            letter_content.render_letter_html(
                letter_content.letter_document(
                    municipality=municipality,
                    subject=letter.template.subject,
                    body=letter.template.body,
                    annex=letter.template.annex,
                    values=letter.values,
                    logo=logo,
                )
            )
            for letter in batch.letters.select_related("template").order_by("pk")
        ]
        HTML(string=documents[0]).write_pdf(pdf_variant=pdf.PDF_VARIANT)  # warm up fonts for both
        started, started_cpu = time.perf_counter(), time.process_time()
        for document in documents:
            HTML(string=document).write_pdf(pdf_variant=pdf.PDF_VARIANT)
        floor, floor_cpu = time.perf_counter() - started, time.process_time() - started_cpu
        del documents

        with PeakMemory() as small:
            services.generate_letter_batch(batch=quarter)
        started, started_cpu = time.perf_counter(), time.process_time()
        with PeakMemory() as large:
            services.generate_letter_batch(batch=batch)
        job, job_cpu = time.perf_counter() - started, time.process_time() - started_cpu

        batch.refresh_from_db()
        assert batch.letters_done == count, (batch.letters_done, count)
        pages = len(PdfReader(batch.file.path).pages)
        transaction.set_rollback(True)

    growth = (large.peak - small.peak) / 2**20
    print(
        f"# {count} letters, {pages} pages in the print file; starting the batch took {start_seconds:.2f} s"
    )
    print(f"# CPU time of this process: WeasyPrint alone {floor_cpu:.1f} s, our batch job {job_cpu:.1f} s")
    print(f"# floor, WeasyPrint alone = {floor:.2f} s")
    print(f"bench: letters_batch_job = {job:.2f} s (goal <= {floor * RATIO_GOAL:.2f})")
    print(f"bench: letters_ratio = {job / floor:.2f} x (goal <= {RATIO_GOAL})")
    # Wall time swings with whatever else the machine runs; CPU time of this process does not.
    # (It leaves out PostgreSQL's share of the job, a few queries per letter.)
    print(f"bench: letters_cpu_ratio = {job_cpu / floor_cpu:.2f} x (goal <= {RATIO_GOAL})")
    print(f"bench: letters_memory_growth = {growth:.1f} MB (goal <= {MEMORY_GOAL_MB})")
    MEDIA.cleanup()


if __name__ == "__main__":
    main()
