"""Use cases of signals: the monthly batch run (claimed once, chunked over workers, resumable)."""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import Count, F
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from intake.models import ArrearsCase, DebtorSnapshot, IncomeRecord, VehicleRecord
from tenancy import queueing
from tenancy.models import Municipality
from tenancy.new_work import announce_new_work
from thresholds.models import ThresholdProfile

from . import inputs, rules, tasks
from .models import EvaluationChunk, EvaluationRun, Signal, WhatIf

logger = logging.getLogger(__name__)

DEFAULT_CHUNK_SIZE = 25_000


def chunk_size() -> int:
    """Debtors per chunk: the setting SIGNALS_CHUNK_SIZE, else the environment variable, else 25,000."""
    return int(
        getattr(settings, "SIGNALS_CHUNK_SIZE", None)
        or os.environ.get("SIGNALS_CHUNK_SIZE")
        or DEFAULT_CHUNK_SIZE
    )


# Thresholds -------------------------------------------------------------------------------------


def thresholds_from_profile(profile: ThresholdProfile) -> rules.Thresholds:
    """Return the rules' view of one stored profile."""
    return rules.Thresholds(
        income=profile.income_threshold,
        rise_abs=profile.rise_abs,
        rise_pct=profile.rise_pct,
        persistence=profile.persistence_months,
        look_back=profile.lookback_months,
        vow_norm=profile.vow_norm,
        assets=profile.asset_threshold,
        vehicle_value=profile.vehicle_threshold,
        enabled=frozenset(rules.SignalType(t) for t in profile.enabled_signal_types),
    )


def current_thresholds(*, municipality: Municipality) -> dict[str, rules.Thresholds]:
    """Return the municipality's thresholds per category as they are now."""
    return {
        profile.category: thresholds_from_profile(profile)
        for profile in ThresholdProfile.objects.for_municipality(municipality)
    }


def thresholds_to_json(thresholds: dict[str, rules.Thresholds]) -> dict[str, Any]:
    return {
        category: {
            "income": str(t.income),
            "rise_abs": str(t.rise_abs),
            "rise_pct": str(t.rise_pct),
            "persistence": t.persistence,
            "look_back": t.look_back,
            "vow_norm": str(t.vow_norm),
            "assets": str(t.assets),
            "vehicle_value": str(t.vehicle_value),
            "enabled": sorted(t.enabled),
        }
        for category, t in thresholds.items()
    }


def thresholds_from_json(stored: dict[str, Any]) -> dict[str, rules.Thresholds]:
    result = {}
    for category, values in stored.items():
        money = {
            name: Decimal(values[name])
            for name in ("income", "rise_abs", "rise_pct", "vow_norm", "assets", "vehicle_value")
        }
        result[category] = rules.Thresholds(
            **money,
            persistence=int(values["persistence"]),
            look_back=int(values["look_back"]),
            enabled=frozenset(rules.SignalType(t) for t in values["enabled"]),
        )
    return result


def months_back(thresholds: dict[str, rules.Thresholds]) -> int:
    """Return how many months before M the rules look at (the width of the income matrix)."""
    return max([max(t.look_back, t.persistence + rules.REFERENCE_MONTHS) for t in thresholds.values()] or [0])


# Starting and resuming --------------------------------------------------------------------------


STALLED_RUN_MINUTES = 10


def enqueue_after_commit(messages: list[tuple[Any, int]]) -> None:
    """Queue (task, id) messages once the transaction commits; a broker outage leaves the work stalled.

    Nothing is lost: runs, their pending chunks and what-ifs are rows, and `resume_stalled_runs`
    (beat) queues them again. The first failure stops the rest, which would only wait for the broker too.
    """

    def publish() -> None:
        for task, object_id in messages:
            try:
                task.delay(object_id)
            except KombuOperationalError:
                logger.warning(
                    "%s %s not queued: broker unreachable; the stalled-run sweep queues it again",
                    task.name,
                    object_id,
                )
                return

    transaction.on_commit(publish)


@transaction.atomic
def start_run(*, municipality: Municipality, period: date, rerun: bool = False) -> EvaluationRun:
    """Start (or resume) the run of one municipality and period; a finished run only reruns on request."""
    run, created = EvaluationRun.objects.select_for_update().get_or_create(
        municipality=municipality, period=period
    )
    if not created and run.status == EvaluationRun.Status.RUNNING:
        resume_run(run=run)
        return run
    if not created and run.status in (EvaluationRun.Status.FINISHED, EvaluationRun.Status.FAILED):
        if not rerun:
            return run
        run.chunks.all().delete()
        run.status = EvaluationRun.Status.PENDING
        run.debtors_done = 0
        run.message = ""
        run.finished_at = None
        run.save(update_fields=["status", "debtors_done", "message", "finished_at"])
    enqueue_after_commit([(tasks.run_evaluation, run.pk)])
    return run


def resume_run(*, run: EvaluationRun) -> int:
    """Enqueue every chunk of a running run that is not done yet (after a killed worker); safe twice."""
    pending = list(run.chunks.filter(status=EvaluationChunk.Status.PENDING).values_list("pk", flat=True))
    enqueue_after_commit([(tasks.evaluate_chunk, chunk_id) for chunk_id in pending])
    if not pending and run.status == EvaluationRun.Status.RUNNING:
        enqueue_after_commit([(tasks.finish_run, run.pk)])
    return len(pending)


def resume_stalled_runs(*, now: datetime | None = None) -> int:
    """Queue again the work of runs that made no progress for a while (their messages were lost).

    A pending run whose claim never came is queued again; a running run without a finished chunk
    lately gets its pending chunks queued again. Both are safe twice: the claim and the chunk lock
    let only one worker do each piece.
    """
    cutoff = (now or timezone.now()) - timedelta(minutes=STALLED_RUN_MINUTES)
    resumed = 0
    for run in EvaluationRun.objects.filter(status=EvaluationRun.Status.PENDING, created_at__lt=cutoff):
        enqueue_after_commit([(tasks.run_evaluation, run.pk)])  # outside a transaction: queued right away
        resumed += 1
    running = EvaluationRun.objects.filter(
        status=EvaluationRun.Status.RUNNING, started_at__lt=cutoff
    ).exclude(chunks__finished_at__gte=cutoff)
    for run in running:
        resume_run(run=run)
        resumed += 1
    # A what-if whose message was lost never left PENDING (a killed worker's comes back by itself).
    resumed += queueing.requeue_pending(
        WhatIf, tasks.count_what_if, label="what-if", minutes=STALLED_RUN_MINUTES, now=now
    )
    return resumed


def due_period(*, municipality: Municipality) -> date | None:
    """Return the latest period with a debtor file, when it has no run yet."""
    latest = (
        DebtorSnapshot.objects.for_municipality(municipality)
        .order_by("-period")
        .values_list("period", flat=True)
        .first()
    )
    if latest is None or EvaluationRun.objects.for_municipality(municipality).filter(period=latest).exists():
        return None
    return latest


def start_due_runs(*, today: date) -> list[EvaluationRun]:
    """Start the runs of municipalities whose evaluation day is today (stalled ones: resume_stalled_runs)."""
    started = []
    for municipality in Municipality.objects.filter(evaluation_day=today.day):
        period = due_period(municipality=municipality)
        if period is not None:
            started.append(start_run(municipality=municipality, period=period))
    return started


# The run ----------------------------------------------------------------------------------------


EXACT_PLAN_LIMIT = 50_000  # above this many debtors, chunk boundaries come from a sample
SAMPLE_PER_CHUNK = 1_000  # sampled debtors per chunk: chunk sizes within a few percent


def plan_chunks(*, municipality_id: int, period: date, size: int) -> list[tuple[inputs.BsnRange, int]]:
    """Split the debtors of M into BSN ranges of about `size` debtors; return each with its estimate."""
    return _plan(municipality_id=municipality_id, period=period, size=size)[1]


def _plan(*, municipality_id: int, period: date, size: int) -> tuple[int, list[tuple[inputs.BsnRange, int]]]:
    """Return the number of debtors of M and the planned chunks."""
    snapshots = DebtorSnapshot.objects.filter(municipality_id=municipality_id, period=period)
    total = snapshots.count()
    if total == 0:
        return 0, []
    tiles = max(1, -(-total // size))
    if total <= EXACT_PLAN_LIMIT or connection.vendor != "postgresql":
        bsns = list(snapshots.order_by("debtor__bsn").values_list("debtor__bsn", flat=True))
    else:
        # Sorting a million BSNs costs seconds before any worker can start; quantiles of a row sample
        # give ranges of equal size in about 0.1 s. A block sample (SYSTEM) is cheaper still, but
        # debtors loaded in BSN order fill blocks with neighbours: it gave chunks of 9k to 51k
        # debtors for 25k, and the largest chunks decided when the last worker finished.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT bsn FROM intake_debtor TABLESAMPLE BERNOULLI (%s) REPEATABLE (0)"
                " WHERE municipality_id = %s ORDER BY bsn",
                [min(100.0, 100.0 * SAMPLE_PER_CHUNK / size), municipality_id],
            )
            bsns = [row[0] for row in cursor.fetchall()]
    step = len(bsns) / tiles
    starts = [bsns[int(index * step)] for index in range(tiles)] if bsns else [""]
    estimate = -(-total // tiles)
    return total, _ranges([(first, estimate) for first in starts])


def _ranges(rows: list[tuple[str, int]]) -> list[tuple[inputs.BsnRange, int]]:
    starts: list[tuple[str, int]] = []
    for first, count in rows:
        if starts and starts[-1][0] == first:  # one BSN shared by debtors spanning two tiles
            starts[-1] = (first, starts[-1][1] + count)
        else:
            starts.append((first, count))
    return [
        (
            inputs.BsnRange(
                first="" if index == 0 else first, end=starts[index + 1][0] if index + 1 < len(starts) else ""
            ),
            count,
        )
        for index, (first, count) in enumerate(starts)
    ]


def run_evaluation(*, run: EvaluationRun) -> None:
    """Claim a pending run, split it in chunks and fan the chunks out over the workers."""
    with transaction.atomic():
        claimed = EvaluationRun.objects.filter(pk=run.pk, status=EvaluationRun.Status.PENDING).update(
            status=EvaluationRun.Status.RUNNING, started_at=timezone.now()
        )
        if not claimed:
            return  # another worker owns this run, or it already finished
        run.refresh_from_db()
        thresholds = current_thresholds(municipality=run.municipality)
        total, planned = _plan(municipality_id=run.municipality_id, period=run.period, size=chunk_size())
        EvaluationChunk.objects.bulk_create(
            [
                EvaluationChunk(run=run, number=number, bsn_from=bsns.first, bsn_to=bsns.end, debtors=count)
                for number, (bsns, count) in enumerate(planned)
            ]
        )
        run.thresholds = thresholds_to_json(thresholds)
        run.debtors_total = total
        run.save(update_fields=["thresholds", "debtors_total"])
        resume_run(run=run)


def previous_vehicle_snapshot_exists(*, municipality_id: int, period: date) -> bool:
    previous = rules.month_start(rules.month_number(period) - 1)
    return VehicleRecord.objects.filter(municipality_id=municipality_id, period=previous).exists()


def evaluate_range(
    *, municipality_id: int, period: date, bsns: inputs.BsnRange, thresholds: dict[str, rules.Thresholds]
) -> tuple[list[rules.FoundSignal], dict[int, str]]:
    """Read one BSN range and evaluate it; return the signals and the BSN of every debtor read."""
    data, by_bsn = inputs.read_chunk(
        municipality_id=municipality_id,
        period=period,
        bsns=bsns,
        months_back=months_back(thresholds),
        previous_vehicle_snapshot=previous_vehicle_snapshot_exists(
            municipality_id=municipality_id, period=period
        ),
    )
    bsn_of = dict(zip(by_bsn["debtor_id"].tolist(), by_bsn["bsn"].tolist(), strict=True))
    return rules.evaluate(data, thresholds=thresholds), bsn_of


def evaluate_chunk(*, chunk_id: int) -> None:
    """Evaluate one chunk and store its signals in one transaction; a killed worker leaves it pending."""
    try:
        _evaluate_chunk(chunk_id=chunk_id)
    except OperationalError:
        raise  # transient: the task retries
    except Exception as error:
        # Bad data or a bug: the run stops as failed with the reason; a rerun starts it again.
        EvaluationRun.objects.filter(chunks__pk=chunk_id, status=EvaluationRun.Status.RUNNING).update(
            status=EvaluationRun.Status.FAILED, message=f"{type(error).__name__}: {error}"[:2000]
        )
        raise


def _evaluate_chunk(*, chunk_id: int) -> None:
    with transaction.atomic():
        inputs.chunk_settings()
        chunk = (
            EvaluationChunk.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("run")
            .filter(pk=chunk_id, status=EvaluationChunk.Status.PENDING)
            .first()
        )
        if chunk is None:
            return  # done already, or another worker holds it right now
        run = chunk.run
        found, bsn_of = evaluate_range(
            municipality_id=run.municipality_id,
            period=run.period,
            bsns=inputs.BsnRange(first=chunk.bsn_from, end=chunk.bsn_to),
            thresholds=thresholds_from_json(run.thresholds),
        )
        debtors = len(bsn_of)
        add_source_names(municipality_id=run.municipality_id, period=run.period, found=found, bsn_of=bsn_of)
        add_bvv_figures(municipality=run.municipality, period=run.period, found=found, bsn_of=bsn_of)
        inserted = store_signals(run=run, found=found)
        chunk.status = EvaluationChunk.Status.DONE
        chunk.debtors = debtors
        chunk.signals_found = inserted
        chunk.finished_at = timezone.now()
        chunk.save(update_fields=["status", "debtors", "signals_found", "finished_at"])
        EvaluationRun.objects.filter(pk=run.pk).update(
            debtors_done=F("debtors_done") + debtors, signals_found=F("signals_found") + inserted
        )
    finish_run(run=run)


def finish_run(*, run: EvaluationRun) -> bool:
    """Mark a running run finished once every chunk is done, with the counts per type and category."""
    with transaction.atomic():
        locked = EvaluationRun.objects.select_for_update().get(pk=run.pk)
        if locked.status != EvaluationRun.Status.RUNNING:
            return False
        if locked.chunks.filter(status=EvaluationChunk.Status.PENDING).exists():
            return False
        locked.counts = signal_counts(municipality_id=locked.municipality_id, period=locked.period)
        locked.status = EvaluationRun.Status.FINISHED
        locked.finished_at = timezone.now()
        locked.save(update_fields=["counts", "status", "finished_at"])
        announce_new_work(municipality_id=locked.municipality_id)
    return True


def signal_counts(*, municipality_id: int, period: date) -> dict[str, dict[str, int]]:
    """Return the stored signals of one period as {type: {category: count}}."""
    counts: dict[str, dict[str, int]] = {}
    rows = (
        Signal.objects.filter(municipality_id=municipality_id, period=period)
        .values("type", "category")
        .annotate(number=Count("id"))
        .order_by()
    )
    for row in rows:
        counts.setdefault(row["type"], {})[row["category"]] = row["number"]
    return counts


def add_source_names(
    *, municipality_id: int, period: date, found: list[rules.FoundSignal], bsn_of: dict[int, str]
) -> None:
    """Fill in the name and kind of every income source in the evidence (the bulk read leaves them out)."""
    sources, bsns, months = [], set(), {rules.month_number(period)}
    for signal in found:
        if signal.type not in INCOME_EVIDENCE_TYPES:
            continue
        bsns.add(bsn_of[signal.debtor_id])
        for month in signal.evidence.get("months", []):
            sources += month["sources"]
            year, number = month["period"].split("-")
            months.add(int(year) * 12 + int(number) - 1)
        if signal.type is rules.SignalType.NEW_INCOME_SOURCE:
            sources.append(signal.evidence)
    if not sources:
        return
    wanted = {source["source_id"] for source in sources}
    names: dict[str, tuple[str, str]] = {}
    # By BSN and period only, so the unique index (municipality, bsn, period, source) serves it.
    rows = (
        IncomeRecord.objects.filter(
            municipality_id=municipality_id,
            bsn__in=sorted(bsns),
            period__gte=rules.month_start(min(months)),
            period__lte=period,
        )
        .order_by("-period")
        .values_list("source_id", "source_name", "income_kind")
    )
    for source_id, name, kind in rows:
        if source_id in wanted:
            names.setdefault(source_id, (name, kind))  # the latest period's name wins
    for source in sources:
        name, kind = names.get(source["source_id"], ("", ""))
        source["source_name"] = source.get("source_name") or name
        source["income_kind"] = source.get("income_kind") or kind


# Domain.md section 8: the INCOME_RISE and INCOME_ABOVE_* evidence shows the BVV, the repayment
# capacity and the proposed instalment.
BVV_TYPES = frozenset(
    {
        rules.SignalType.INCOME_ABOVE_THRESHOLD,
        rules.SignalType.INCOME_RISE,
        rules.SignalType.INCOME_ABOVE_AFTER_DROP,
    }
)
BVV_MONTHS = 4  # the BVV's yearly income looks at the latest month and the mean of the last 4


def add_bvv_figures(
    *, municipality: Municipality, period: date, found: list[rules.FoundSignal], bsn_of: dict[int, str]
) -> None:
    """Add the BVV, capacity and proposed instalment to the evidence of income signals (two queries more)."""
    from thresholds import bvv, bvv_services

    signals = [signal for signal in found if signal.type in BVV_TYPES]
    if not signals:
        return
    debtor_ids = sorted({signal.debtor_id for signal in signals})
    first = rules.month_number(period) - BVV_MONTHS + 1
    income: dict[tuple[str, int], Decimal] = {}
    for bsn, month, amount in IncomeRecord.objects.filter(
        municipality=municipality,
        bsn__in=sorted({bsn_of[debtor_id] for debtor_id in debtor_ids}),
        period__gte=rules.month_start(first),
        period__lte=period,
    ).values_list("bsn", "period", "amount"):
        key = (bsn, rules.month_number(month))
        income[key] = income.get(key, Decimal(0)) + amount
    snapshots = DebtorSnapshot.objects.filter(
        municipality=municipality, period=period, debtor_id__in=debtor_ids
    )
    debtors = [
        bvv.DebtorIncome(
            debtor_id=debtor_id,
            household_type=household_type,
            monthly_incomes=[
                income.get((bsn_of[debtor_id], m), Decimal(0)) for m in range(first, first + BVV_MONTHS)
            ],
            instalment=instalment,
            claim_amount=claim_amount,
        )
        for debtor_id, household_type, instalment, claim_amount in snapshots.values_list(
            "debtor_id", "household_type", "instalment", "claim_amount"
        )
    ]
    try:
        figures = bvv_services.figures_for(municipality=municipality, period=period, debtors=debtors)
    except bvv.NoBvvParameters as refusal:
        for signal in signals:
            signal.evidence["bvv"] = {"refused": str(refusal)}
        return
    for signal in signals:
        signal.evidence["bvv"] = figures[signal.debtor_id].evidence()


INCOME_EVIDENCE_TYPES = frozenset(rules.SignalType) - {rules.SignalType.ASSETS, rules.SignalType.VEHICLE}

INSERT_SIGNALS = """
INSERT INTO signals_signal
    (municipality_id, debtor_id, run_id, type, period, category, evidence_key, evidence, has_open_arrears, created_at)
SELECT %(municipality)s, n.debtor_id, %(run)s, n.type, %(period)s, n.category, n.evidence_key, n.evidence::jsonb,
    EXISTS (SELECT 1 FROM {cases} c WHERE c.debtor_id = n.debtor_id AND c.status = 'open'), now()
FROM signals_incoming n
ON CONFLICT (municipality_id, debtor_id, type, period, evidence_key) DO NOTHING
"""


def store_signals(*, run: EvaluationRun, found: list[rules.FoundSignal]) -> int:
    """Insert found signals in bulk; the unique key makes a rerun insert nothing twice. Return how many are new."""
    if not found:
        return 0
    if connection.vendor != "postgresql":
        return _store_signals_with_orm(run=run, found=found)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        raw.execute(
            "CREATE TEMP TABLE IF NOT EXISTS signals_incoming"
            " (debtor_id bigint, type text, category text, evidence_key text, evidence text) ON COMMIT DELETE ROWS"
        )
        with raw.copy(
            "COPY signals_incoming (debtor_id, type, category, evidence_key, evidence) FROM STDIN"
        ) as copy:
            for signal in found:
                copy.write_row(
                    (
                        signal.debtor_id,
                        signal.type.value,
                        signal.category,
                        signal.evidence_key,
                        json.dumps(signal.evidence, ensure_ascii=False),
                    )
                )
        raw.execute(
            INSERT_SIGNALS.replace("{cases}", ArrearsCase._meta.db_table),
            {"municipality": run.municipality_id, "run": run.pk, "period": run.period},
        )
        inserted = raw.rowcount
        raw.execute("DELETE FROM signals_incoming")
    return inserted


def _store_signals_with_orm(*, run: EvaluationRun, found: list[rules.FoundSignal]) -> int:
    before = Signal.objects.filter(municipality_id=run.municipality_id, period=run.period).count()
    with_arrears = set(
        ArrearsCase.objects.filter(
            municipality_id=run.municipality_id,
            status=ArrearsCase.Status.OPEN,
            debtor_id__in={signal.debtor_id for signal in found},
        ).values_list("debtor_id", flat=True)
    )
    Signal.objects.bulk_create(
        [
            Signal(
                municipality_id=run.municipality_id,
                debtor_id=signal.debtor_id,
                run=run,
                type=signal.type.value,
                period=run.period,
                category=signal.category,
                evidence_key=signal.evidence_key,
                evidence=signal.evidence,
                has_open_arrears=signal.debtor_id in with_arrears,
            )
            for signal in found
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )
    return Signal.objects.filter(municipality_id=run.municipality_id, period=run.period).count() - before


# What-if ---------------------------------------------------------------------------------------


def last_evaluated_period(*, municipality: Municipality) -> date | None:
    return (
        EvaluationRun.objects.for_municipality(municipality)
        .filter(status=EvaluationRun.Status.FINISHED)
        .order_by("-period")
        .values_list("period", flat=True)
        .first()
    )


def what_if_counts(
    *,
    municipality: Municipality,
    period: date,
    thresholds: dict[str, rules.Thresholds],
    on_progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Return per signal type how many signals these thresholds produce for `period`, storing nothing."""
    counts: Counter[str] = Counter()
    planned = plan_chunks(municipality_id=municipality.pk, period=period, size=chunk_size())
    total, done = sum(count for _bsns, count in planned), 0
    for bsns, count in planned:
        found, _bsns = evaluate_range(
            municipality_id=municipality.pk, period=period, bsns=bsns, thresholds=thresholds
        )
        counts.update(signal.type.value for signal in found)
        done = min(total, done + count)  # the plan's counts are estimates above EXACT_PLAN_LIMIT
        if on_progress is not None:
            on_progress(done, total)
    return {signal_type: counts.get(signal_type, 0) for signal_type in rules.SignalType}


def stored_counts_per_type(*, municipality: Municipality, period: date) -> dict[str, int]:
    counts = signal_counts(municipality_id=municipality.pk, period=period)
    return {t: sum(counts.get(t, {}).values()) for t in rules.SignalType}


# Export ----------------------------------------------------------------------------------------

EXPORT_COLUMNS = ("debtor_ref", "type", "period", "evidence_key", "evidence")


def export_rows(*, municipality: Municipality, period: date) -> Iterator[tuple[str, str, str, str, str]]:
    """Yield the CSV rows of one period's signals: debtor_ref, type, period, evidence_key, evidence JSON."""
    signals = (
        Signal.objects.for_municipality(municipality)
        .filter(period=period)
        .order_by("debtor__debtor_ref", "type", "evidence_key")
        .values_list("debtor__debtor_ref", "type", "period", "evidence_key", "evidence")
    )
    for debtor_ref, signal_type, signal_period, key, evidence in signals.iterator(chunk_size=5000):
        yield (
            debtor_ref,
            signal_type,
            f"{signal_period:%Y-%m}",
            key,
            json.dumps(evidence, ensure_ascii=False, sort_keys=True),
        )
