"""Use cases of vroegsignalering: receive reports, group them into cases, move cases on, withdraw.

`receive_arrears_reports` is the one entry point of the API and the CSV upload. It works on whole
batches (up to 10,000 reports): one upsert statement, one query per lookup, set-based case updates.
"""

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from intake.models import ArrearsCase, ArrearsContactAttempt, ArrearsReport, ArrearsSettings, Result
from tenancy import shared_cache
from tenancy.models import Covenant, Municipality, Supplier
from tenancy.new_work import announce_new_work
from tenancy.suppliers import covenant_cache_key

from . import matching, portable, rules, store
from .validation import FieldError, ReportInput, validate_report

Status = ArrearsReport.Status
logger = logging.getLogger(__name__)


def _on_postgresql() -> bool:
    # The set-based statements below are PostgreSQL SQL, tuned for the benchmarks. SQLite, the
    # embedded default (`make demo` without services), gets the ORM equivalents in `portable`.
    return connection.vendor == "postgresql"


class Outcome:
    CREATED = "created"
    UPDATED = "updated"
    REJECTED = "rejected"


@dataclass
class ReportOutcome:
    index: int
    reference: str
    outcome: str
    status: str | None = None
    result: str | None = None
    errors: list[FieldError] = field(default_factory=list)


@dataclass
class _Accepted:
    index: int
    report: ReportInput
    municipality_id: int
    partner_type: str
    person_key: str
    household_key: str
    pointer: str


def arrears_settings(*, municipality: Municipality | int) -> ArrearsSettings:
    """Return the municipality's arrears settings, creating the domain.md defaults on first use."""
    municipality_id = municipality if isinstance(municipality, int) else municipality.pk
    found, _created = ArrearsSettings.objects.get_or_create(municipality_id=municipality_id)
    return found


COVENANT_CACHE_SECONDS = 30


def active_covenant_municipalities(*, supplier: Supplier, day: dt.date) -> dict[str, int]:
    """Return {municipality code: id} of the municipalities the supplier has an active covenant with."""
    # Cached briefly: a single-report client asks this on every request. Covenant changes clear it
    # (tenancy.suppliers); through a shared cache every process sees that within seconds.
    return shared_cache.get_or_set(
        covenant_cache_key(supplier_id=supplier.pk, day=day),
        lambda: dict(
            Covenant.objects.active_on(day)
            .filter(supplier=supplier)
            .values_list("municipality__code", "municipality_id")
        ),
        timeout=COVENANT_CACHE_SECONDS,
        local=True,
    )


def receive_arrears_reports(
    *, supplier: Supplier, reports: Sequence[object], single: bool = False, today: dt.date | None = None
) -> list[ReportOutcome]:
    """Validate and store a batch of reports, each with its own outcome; the rules run right after, in bulk."""
    today = today or timezone.localdate()
    covenants = active_covenant_municipalities(supplier=supplier, day=today)
    outcomes: list[ReportOutcome] = []
    accepted: list[_Accepted] = []
    seen: set[str] = set()
    secret = settings.SECRET_KEY
    with store.report_writer(supplier_id=supplier.pk, single=single) as writer:
        for index, data in enumerate(reports):
            item_pointer = "" if single else f"/{index}"  # JSON pointers into the request body
            report, errors = validate_report(data, pointer=item_pointer, today=today)
            reference = data.get("reference", "") if isinstance(data, dict) else ""
            outcome = ReportOutcome(
                index=index, reference=str(reference), outcome=Outcome.REJECTED, errors=errors
            )
            outcomes.append(outcome)
            if report is None:
                continue
            if report.reference in seen:
                outcome.errors = [
                    FieldError(
                        f"{item_pointer}/reference",
                        "This reference occurs twice in the request.",
                        code="duplicate",
                    )
                ]
                continue
            seen.add(report.reference)
            municipality_id = covenants.get(report.municipality_code)
            if municipality_id is None:
                outcome.errors = [
                    FieldError(
                        f"{item_pointer}/municipality_code",
                        f"No active covenant with municipality {report.municipality_code}.",
                        code="no_covenant",
                    )
                ]
                continue
            item = _accept(
                report, index=index, pointer=item_pointer, municipality_id=municipality_id,
                supplier=supplier, secret=secret,
            )  # fmt: skip
            accepted.append(item)
            writer.add(_row(item, supplier))
        # Stored on leaving the block, which is still inside the transaction of a bulk request.
    if accepted:
        _record_outcomes(accepted=accepted, outcomes=outcomes, stored=writer.stored)
    return outcomes


def _accept(
    report: ReportInput, *, index: int, pointer: str, municipality_id: int, supplier: Supplier, secret: str
) -> _Accepted:
    person = matching.person_key(
        bsn=report.bsn,
        birth_date=report.birth_date,
        postcode=report.postcode,
        house_number=report.house_number,
        house_number_suffix=report.house_number_suffix,
        last_name=report.last_name,
    )
    household = matching.household_key(
        postcode=report.postcode,
        house_number=report.house_number,
        house_number_suffix=report.house_number_suffix,
    )
    person_key = matching.hashed(person, secret=secret)
    household_key = matching.hashed(household, secret=secret)
    return _Accepted(
        index=index,
        report=report,
        municipality_id=municipality_id,
        partner_type=report.partner_type or supplier.partner_type,
        person_key=person_key,
        household_key=household_key,
        pointer=pointer,
    )


def _row(item: _Accepted, supplier: Supplier) -> dict:
    report = item.report
    return {
        "municipality_id": item.municipality_id,
        "supplier_id": supplier.pk,
        "reference": report.reference,
        "partner_type": item.partner_type,
        "crisis": report.is_crisis,
        "warm_handover": report.is_warm_handover,
        "amount": str(report.amount),
        "arrears_since": report.arrears_since.isoformat(),
        "signal_date": report.signal_date.isoformat(),
        "bsn": report.bsn,
        "initials": report.initials,
        "prefix": report.prefix,
        "last_name": report.last_name,
        "birth_date": report.birth_date.isoformat() if report.birth_date else None,
        "street": report.street,
        "house_number": report.house_number,
        "house_number_suffix": report.house_number_suffix,
        "postcode": report.postcode,
        "city": report.city,
        "person_key": item.person_key,
        "household_key": item.household_key,
    }


def _record_outcomes(
    *, accepted: list[_Accepted], outcomes: list[ReportOutcome], stored: dict[str, store.StoredRow]
) -> None:
    touched_cases: set[int] = set()
    any_created = False
    for item in accepted:
        outcome = outcomes[item.index]
        if item.report.reference not in stored:
            outcome.errors = [
                FieldError(
                    f"{item.pointer}/reference",
                    "This reference is already used for a report about another municipality.",
                    code="conflict",
                )
            ]
            continue
        _pk, _reference, created, case_id, status, result = stored[item.report.reference]
        outcome.outcome = Outcome.CREATED if created else Outcome.UPDATED
        outcome.status, outcome.result = status, result or None
        any_created = any_created or created
        if not created and case_id is not None:
            touched_cases.add(case_id)
    refresh_cases(case_ids=touched_cases)
    if any_created:
        transaction.on_commit(_enqueue_assessment)


ASSESSMENT_DELAY_SECONDS = 1


def _enqueue_assessment() -> None:
    """Queue one assessment a second later, at most one per second per process.

    Every report committed while the marker lives is committed before that run claims its reports
    (the run starts no earlier than the marker expires), so none is left behind; a report committed
    after the marker expired queues the next run. Without this each single-report request would
    publish its own task.
    """
    from . import tasks  # tasks imports this module

    if shared_cache.add_in_process("arrears:assessment-queued", timeout=ASSESSMENT_DELAY_SECONDS):
        try:
            tasks.assess_arrears_reports.apply_async(countdown=ASSESSMENT_DELAY_SECONDS)
        except KombuOperationalError:
            # The reports are stored; the supplier must not see an error for them. The beat
            # schedule's minutely run assesses them once the broker is back.
            shared_cache.delete_in_process("arrears:assessment-queued")
            logger.warning("arrears assessment not queued: broker unreachable")


@dataclass
class _Pending:
    """A stored report that the rules have not seen yet."""

    pk: int
    municipality_id: int
    supplier_id: int
    partner_type: str
    amount: Decimal
    arrears_since: dt.date
    signal_date: dt.date
    crisis: bool
    person_key: str
    household_key: str
    person: dict

    @property
    def group_key(self) -> str:
        return self.household_key or self.person_key


PERSON_FIELDS = (
    "bsn",
    "initials",
    "prefix",
    "last_name",
    "birth_date",
    "street",
    "house_number",
    "house_number_suffix",
    "postcode",
    "city",
)
PENDING_FIELDS = (
    "pk",
    "municipality_id",
    "supplier_id",
    "partner_type",
    "amount",
    "arrears_since",
    "signal_date",
    "crisis",
    "person_key",
    "household_key",
)


def assess_pending_reports(*, batch_size: int = 10_000) -> int:
    """Apply the rules to every stored report not assessed yet and place the picked-up ones in cases."""
    assessed = 0
    while True:
        count = _assess_batch(batch_size=batch_size)
        assessed += count
        if count < batch_size:
            return assessed


@transaction.atomic
def _assess_batch(*, batch_size: int) -> int:
    # SKIP LOCKED: parallel workers each claim other reports; none is assessed twice.
    claimed = list(
        ArrearsReport.objects.select_for_update(skip_locked=True)
        .filter(assessed_at__isnull=True)
        .order_by("pk")
        .values_list(*PENDING_FIELDS, *PERSON_FIELDS)[:batch_size]
    )
    if not claimed:
        return 0
    pending = [
        _Pending(
            *row[: len(PENDING_FIELDS)],
            person=dict(zip(PERSON_FIELDS, row[len(PENDING_FIELDS) :], strict=True)),
        )
        for row in claimed
    ]
    # Reports about one household are assessed one transaction at a time: parallel workers must see
    # each other's reports (repeat rule) and meet in the same case.
    _lock_groups({(item.municipality_id, item.group_key) for item in pending})
    groups: dict[tuple[int, int], list[_Pending]] = defaultdict(list)
    for item in pending:
        groups[(item.municipality_id, item.supplier_id)].append(item)
    rules_of = {
        municipality_id: arrears_settings(municipality=municipality_id).as_rules()
        for municipality_id in {municipality_id for municipality_id, _supplier_id in groups}
    }  # once per municipality, not per supplier group
    touched: set[int] = set()
    for (municipality_id, supplier_id), items in groups.items():
        touched |= _assess_new_reports(
            municipality_id=municipality_id,
            supplier_id=supplier_id,
            items=items,
            arrears_rules=rules_of[municipality_id],
        )
    ArrearsReport.objects.filter(pk__in=[item.pk for item in pending]).update(assessed_at=timezone.now())
    refresh_cases(case_ids=touched)
    for municipality_id in {item.municipality_id for item in pending}:
        announce_new_work(municipality_id=municipality_id)
    return len(pending)


def _lock_groups(groups: set[tuple[int, str]]) -> None:
    if not _on_postgresql():
        return  # SQLite: the database lock of the write transaction already serialises workers
    keys = sorted({f"arrears:{municipality_id}:{group_key}" for municipality_id, group_key in groups})
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(h) FROM (SELECT DISTINCT hashtextextended(k, 0) AS h "
            "FROM unnest(%s::text[]) AS k ORDER BY h) AS ordered",
            [keys],
        )


def _assess_new_reports(
    *, municipality_id: int, supplier_id: int, items: list[_Pending], arrears_rules: rules.ArrearsRules
) -> set[int]:
    """Apply window, minimum and repeat rules to new reports and put the picked-up ones in cases."""
    new_ids = {item.pk for item in items}
    earlier: dict[str, list[rules.EarlierReport]] = defaultdict(list)
    earlier_case: dict[tuple[str, dt.date], int] = {}
    for person_key, arrears_since, amount, case_id in (
        ArrearsReport.objects.filter(
            municipality_id=municipality_id,
            supplier_id=supplier_id,
            person_key__in={item.person_key for item in items},
            case__status=ArrearsCase.Status.OPEN,
        )
        .exclude(pk__in=new_ids)
        .values_list("person_key", "arrears_since", "amount", "case_id")
    ):
        earlier[person_key].append(rules.EarlierReport(arrears_since=arrears_since, amount=amount))
        earlier_case[(person_key, arrears_since)] = case_id

    closed: list[tuple[int, str]] = []
    picked: list[_Pending] = []
    repeated_cases: set[int] = set()
    for item in items:
        verdict = rules.assess(
            rules.ReportFacts(
                partner_type=item.partner_type,
                amount=item.amount,
                arrears_since=item.arrears_since,
                signal_date=item.signal_date,
            ),
            earlier=earlier[item.person_key],
            rules=arrears_rules,
        )
        if (item.person_key, item.arrears_since) in earlier_case:
            repeated_cases.add(earlier_case[(item.person_key, item.arrears_since)])
        if verdict.result is not None:
            closed.append((item.pk, verdict.result))
            continue
        picked.append(item)
        if item.person_key:
            # Later reports in the same batch repeat this one.
            earlier[item.person_key].append(
                rules.EarlierReport(arrears_since=item.arrears_since, amount=item.amount)
            )

    if closed and not _on_postgresql():
        portable.close_reports(closed=closed, status=Status.NOT_PICKED_UP, repeat_result=Result.REPEAT)
    elif closed:
        with connection.cursor() as cursor:
            cursor.execute(
                f"""UPDATE {ArrearsReport._meta.db_table} AS r
                    SET status = %s, result = v.result, is_repeat = (v.result = %s), status_changed_at = now()
                    FROM unnest(%s::bigint[], %s::text[]) AS v(id, result) WHERE r.id = v.id""",
                [
                    Status.NOT_PICKED_UP,
                    Result.REPEAT,
                    [pk for pk, _ in closed],
                    [result for _, result in closed],
                ],
            )
    case_ids = _place_in_cases(municipality_id=municipality_id, items=picked, arrears_rules=arrears_rules)
    if repeated_cases:
        ArrearsCase.objects.filter(pk__in=repeated_cases).update(is_repeat=True)
        ArrearsReport.objects.filter(pk__in=new_ids, case_id__in=repeated_cases).update(is_repeat=True)
    return case_ids | repeated_cases


def _place_in_cases(
    *, municipality_id: int, items: list[_Pending], arrears_rules: rules.ArrearsRules
) -> set[int]:
    if not items:
        return set()
    first_of_group: dict[str, _Pending] = {}
    due_of_group: dict[str, dt.date] = {}
    for item in items:
        first_of_group.setdefault(item.group_key, item)
        due = rules.due_date(signal_date=item.signal_date, is_crisis=item.crisis, rules=arrears_rules)
        due_of_group[item.group_key] = min(due, due_of_group.get(item.group_key, due))
    today = timezone.localdate()
    ArrearsCase.objects.bulk_create(
        [
            ArrearsCase(
                municipality_id=municipality_id,
                group_key=group_key,
                person_key=item.person_key,
                household_key=item.household_key,
                opened_on=today,
                due_date=due_of_group[group_key],
                crisis=item.crisis,
                **item.person,
            )
            for group_key, item in first_of_group.items()
        ],
        ignore_conflicts=True,  # an open case of the household already exists: the report joins it
    )
    cases = dict(
        ArrearsCase.objects.filter(
            municipality_id=municipality_id,
            status=ArrearsCase.Status.OPEN,
            group_key__in=list(first_of_group),
        ).values_list("group_key", "pk")
    )
    if not _on_postgresql():
        portable.assign_cases(
            municipality_id=municipality_id,
            report_cases=[(item.pk, cases[item.group_key]) for item in items],
            due_of_group=due_of_group,
        )
        return set(cases.values())
    groups = list(due_of_group)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {ArrearsReport._meta.db_table} AS r SET case_id = v.case_id
                FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, case_id) WHERE r.id = v.id""",
            [[item.pk for item in items], [cases[item.group_key] for item in items]],
        )
        # A crisis report shortens the term of a case that is already open.
        cursor.execute(
            f"""UPDATE {ArrearsCase._meta.db_table} AS c SET due_date = v.due
                FROM unnest(%s::text[], %s::date[]) AS v(group_key, due)
                WHERE c.municipality_id = %s AND c.status = 'open' AND c.group_key = v.group_key
                  AND v.due < c.due_date""",
            [groups, [due_of_group[group] for group in groups], municipality_id],
        )
    return set(cases.values())


def refresh_cases(*, case_ids: Iterable[int]) -> None:
    """Recompute what work baskets route on (suppliers, partner types, total, crisis, welfare debtor)."""
    case_ids = sorted(set(case_ids))
    if not case_ids:
        return
    if not _on_postgresql():
        portable.refresh_cases(case_ids=case_ids)
        return
    case_table = ArrearsCase._meta.db_table
    report_table = ArrearsReport._meta.db_table
    settings_table = ArrearsSettings._meta.db_table
    debtor_table = ArrearsCase._meta.get_field("debtor").related_model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {case_table} AS c SET
                supplier_count = a.suppliers,
                partner_types = a.partner_types,
                total_amount = a.total,
                crisis = c.crisis OR a.crisis,
                latest_signal_date = a.latest,
                is_multiple = a.suppliers >= COALESCE(a.multiple_supplier_count, 2)
            FROM (
                SELECT base.id AS case_id,
                       count(DISTINCT r.supplier_id) AS suppliers,
                       COALESCE(
                           to_jsonb(array_agg(DISTINCT r.partner_type) FILTER (WHERE r.id IS NOT NULL)),
                           '[]'::jsonb
                       ) AS partner_types,
                       COALESCE(sum(r.amount), 0) AS total,
                       COALESCE(bool_or(r.crisis), false) AS crisis,
                       max(r.signal_date) AS latest,
                       max(s.multiple_supplier_count) AS multiple_supplier_count
                FROM {case_table} AS base
                LEFT JOIN {report_table} AS r ON r.case_id = base.id AND r.status <> 'withdrawn'
                LEFT JOIN {settings_table} AS s ON s.municipality_id = base.municipality_id
                WHERE base.id = ANY(%s)
                GROUP BY base.id
            ) AS a
            WHERE c.id = a.case_id
            """,
            [case_ids],
        )
        # Cross-link with welfare debtors of the same municipality (by BSN, the legal matching key).
        cursor.execute(
            f"""
            UPDATE {case_table} AS c SET debtor_id = d.id
            FROM {debtor_table} AS d
            WHERE c.id = ANY(%s) AND c.debtor_id IS NULL AND c.bsn <> ''
              AND d.municipality_id = c.municipality_id AND d.bsn = c.bsn AND d.ended_period IS NULL
            """,
            [case_ids],
        )


def link_welfare_debtors(*, municipality: Municipality) -> int:
    """Mark open cases whose person is (now) a welfare debtor; run after a new debtor file."""
    ids = list(
        ArrearsCase.objects.for_municipality(municipality)
        .filter(status=ArrearsCase.Status.OPEN, debtor__isnull=True)
        .exclude(bsn="")
        .values_list("pk", flat=True)
    )
    refresh_cases(case_ids=ids)
    return ArrearsCase.objects.filter(pk__in=ids, debtor__isnull=False).count()


class WithdrawReason:
    PAID = "paid"
    ARRANGEMENT = "arrangement"
    CHOICES = (PAID, ARRANGEMENT)


@transaction.atomic
def withdraw_arrears_report(*, report: ArrearsReport, reason: str) -> ArrearsReport:
    """Withdraw a report (paid or arrangement made); a case left without reports before pick-up closes."""
    report = ArrearsReport.objects.select_for_update().get(pk=report.pk)
    if report.status == Status.WITHDRAWN:
        return report
    now = timezone.now()
    report.status = Status.WITHDRAWN
    report.withdrawn_at = now
    report.withdraw_reason = reason
    report.status_changed_at = now
    report.save(
        update_fields=["status", "withdrawn_at", "withdraw_reason", "status_changed_at", "updated_at"]
    )
    if report.case_id:
        refresh_cases(case_ids=[report.case_id])
        case = ArrearsCase.objects.select_for_update().get(pk=report.case_id)
        still_reported = case.reports.exclude(status=Status.WITHDRAWN).exists()
        if case.status == ArrearsCase.Status.OPEN and case.picked_up_at is None and not still_reported:
            case.status = ArrearsCase.Status.CLOSED
            case.result = Result.PAID_ALREADY
            case.closed_at = now
            case.save(update_fields=["status", "result", "closed_at"])
    return report


# Case progress, called by work baskets. Each step writes the supplier-visible status on every report.
def _set_report_status(*, case: ArrearsCase, status: str, **fields: object) -> None:
    case.reports.exclude(status__in=[Status.WITHDRAWN, Status.NOT_PICKED_UP]).update(
        status=status, status_changed_at=timezone.now(), **fields
    )


@transaction.atomic
def pick_up_case(*, case: ArrearsCase, when: dt.datetime | None = None) -> ArrearsCase:
    """Mark a case as picked up; suppliers pause collection for one month from that day."""
    when = when or timezone.now()
    if case.picked_up_at is not None:
        return case
    case.picked_up_at = when
    case.stage = Status.PICKED_UP
    case.save(update_fields=["picked_up_at", "stage"])
    day = timezone.localtime(when).date()
    _set_report_status(
        case=case,
        status=Status.PICKED_UP,
        picked_up_at=when,
        collection_suspended_until=rules.add_months(day, rules.ArrearsRules().collection_suspension_months),
    )
    return case


@transaction.atomic
def record_contact_attempt(
    *, case: ArrearsCase, kind: str, is_reached: bool, when: dt.datetime, note: str = ""
) -> ArrearsContactAttempt:
    """Record an attempt to reach the person; the first success is the Wgs first conversation."""
    attempt = ArrearsContactAttempt.objects.create(
        municipality_id=case.municipality_id,
        case=case,
        kind=kind,
        is_reached=is_reached,
        happened_at=when,
        part_of_day=rules.part_of_day(timezone.localtime(when).time()),
        note=note,
    )
    if case.picked_up_at is None:
        pick_up_case(case=case, when=when)
    if is_reached and case.first_contact_at is None:
        case.first_contact_at = when
        case.stage = Status.CONTACT_MADE
        case.save(update_fields=["first_contact_at", "stage"])
        _set_report_status(case=case, status=Status.CONTACT_MADE)
    return attempt


@transaction.atomic
def set_case_stage(*, case: ArrearsCase, stage: str) -> ArrearsCase:
    """Move an open case to help_started or no_contact (what the supplier reads)."""
    if stage not in (Status.HELP_STARTED, Status.NO_CONTACT, Status.CONTACT_MADE):
        raise ValueError(f"{stage} is not a stage a case moves to by hand.")
    case.stage = stage
    case.save(update_fields=["stage"])
    _set_report_status(case=case, status=stage)
    return case


@transaction.atomic
def close_case(*, case: ArrearsCase, result: str, when: dt.datetime | None = None) -> ArrearsCase:
    """Close a case with its DDAS end result; the supplier sees it (except 'andere reden')."""
    if result not in Result.values:
        raise ValueError(f"{result!r} is not a DDAS end result.")
    case.status = ArrearsCase.Status.CLOSED
    case.result = result
    case.closed_at = when or timezone.now()
    case.save(update_fields=["status", "result", "closed_at"])
    not_picked_up = result in rules.NOT_PICKED_UP_RESULTS
    _set_report_status(
        case=case, status=Status.NOT_PICKED_UP if not_picked_up else Status.CLOSED, result=result
    )
    return case


def supplier_view(report: ArrearsReport) -> rules.SupplierFeedback:
    """Return the status and result a supplier may read for one report."""
    return rules.supplier_feedback(status=report.status, result=report.result or None)
