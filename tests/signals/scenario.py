"""One municipality whose January 2026 run yields every signal type once (default thresholds)."""

import datetime
import time

from signals import services
from signals.models import EvaluationChunk, EvaluationRun
from thresholds.services import create_default_thresholds

from .factories import BankBalanceFactory, VehicleRecordFactory, debtor_in_period, income

DECEMBER = datetime.date(2025, 12, 1)
JANUARY = datetime.date(2026, 1, 1)
BOTH = (DECEMBER, JANUARY)

EXPECTED = [
    ("S01", "INCOME_RISE", ""),
    ("S02", "INCOME_ABOVE_THRESHOLD", ""),
    ("S03", "INCOME_ABOVE_AFTER_DROP", ""),
    ("S04", "NEW_INCOME_SOURCE", "L002"),
    ("S05", "VOW_FOUND_ABOVE_NORM", ""),
    ("S06", "VOW_FOUND_BELOW_NORM", ""),
    ("S07", "ASSETS", ""),
    ("S08", "VEHICLE", "NEW01X"),
]


def build(municipality, *, prefix="S"):
    create_default_thresholds(municipality=municipality)
    debtors = {}

    def make(number, **fields):
        debtors[number] = debtor_in_period(
            municipality, periods=BOTH, debtor_ref=f"{prefix}{number:02d}", **fields
        )
        return debtors[number]

    d = make(1, category="payer", known_income="1400.00")
    income(municipality, d, {"2025-12": "1700.00", "2026-01": "1710.00"})
    d = make(2, category="non_payer")
    income(municipality, d, {"2025-12": "1600.00", "2026-01": "1600.00"})
    d = make(3, category="non_payer")
    income(municipality, d, {"2025-03": "1600.00", "2025-12": "1600.00", "2026-01": "1600.00"})
    d = make(4, category="payer")
    income(municipality, d, {"2025-12": "900.00", "2026-01": "900.00"})
    income(municipality, d, {"2026-01": "300.00"}, source_id="L002", source_name="Uitzendbureau Vlot")
    d = make(5, category="vow")
    income(municipality, d, {"2026-01": "1500.00"})
    d = make(6, category="vow")
    income(municipality, d, {"2026-01": "900.00"})
    d = make(7, category="payer")
    BankBalanceFactory(municipality=municipality, bsn=d.bsn, reference_date=datetime.date(2026, 1, 15))
    d = make(8, category="payer")
    VehicleRecordFactory(municipality=municipality, bsn=d.bsn, period=DECEMBER, plate="OLD01X")
    VehicleRecordFactory(municipality=municipality, bsn=d.bsn, period=JANUARY, plate="OLD01X")
    VehicleRecordFactory(municipality=municipality, bsn=d.bsn, period=JANUARY, plate="NEW01X")
    make(9, category="non_payer")  # nothing happens to this one
    return debtors


def run_inline(municipality, period=JANUARY, *, rerun=False):
    """Run the batch in this process, step by step, as the workers would (no broker involved).

    When a test also runs a real worker, the queued chunk messages reach it too: a chunk the worker
    holds is skipped here and the worker finishes the run when it commits, so wait for that.
    """
    run = services.start_run(municipality=municipality, period=period, rerun=rerun)
    services.run_evaluation(run=run)
    for chunk_id in EvaluationChunk.objects.filter(run=run).values_list("pk", flat=True):
        services.evaluate_chunk(chunk_id=chunk_id)
    services.finish_run(run=run)
    deadline = time.monotonic() + 120  # only stops a hung test; no speed is asserted
    while (found := EvaluationRun.objects.get(pk=run.pk)).status == EvaluationRun.Status.RUNNING:
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    return found


def stored(municipality, period=JANUARY):
    from signals.models import Signal

    return sorted(
        Signal.objects.for_municipality(municipality)
        .filter(period=period)
        .values_list("debtor__debtor_ref", "type", "evidence_key")
    )
