"""Demo data of signals: a few showcase debtors, then the monthly batch over all demo data."""

from datetime import date
from decimal import Decimal

from django.db import transaction

from intake.models import BankBalance, Debtor, DebtorSnapshot, IncomeRecord, VehicleRecord
from tenancy.demo import DemoContext
from tenancy.models import Municipality

from . import rules, services
from .models import EvaluationRun

# (number, category, known income, {months before M: income}, extra) -> one signal type each, with
# the default thresholds; added to whatever the intake generator made, so every type shows.
SHOWCASE = [
    (1, "payer", Decimal(1400), {1: 1700, 0: 1710}, {}),
    (2, "non_payer", None, {1: 1600, 0: 1600}, {}),
    (3, "non_payer", None, {10: 1600, 1: 1600, 0: 1600}, {}),
    (4, "payer", None, {1: 900, 0: 900}, {"new_source": 300}),
    (5, "vow", None, {0: 1500}, {}),
    (6, "vow", None, {0: 900}, {}),
    (7, "payer", None, {}, {"balance": 9000}),
    (8, "payer", None, {}, {"vehicle": 8000}),
]


def _month(period: date, back: int) -> date:
    return rules.month_start(rules.month_number(period) - back)


@transaction.atomic
def add_showcase_debtors(*, municipality: Municipality, period: date) -> None:
    """Add eight fictional debtors that each give one signal type in `period`."""
    if Debtor.objects.filter(municipality=municipality, debtor_ref__startswith="TOON-").exists():
        return
    previous = _month(period, 1)
    income, snapshots = [], []
    for number, category, known, months, extra in SHOWCASE:
        bsn = f"99{municipality.code[-2:]}000{number:02d}"
        debtor = Debtor.objects.create(
            municipality=municipality,
            debtor_ref=f"TOON-{number:02d}",
            bsn=bsn,
            initials="T.",
            last_name=f"Voorbeeld {number}",
            birth_date=date(1985, 1, number),
            first_period=previous,
        )
        for snapshot_period in (previous, period):
            snapshots.append(
                DebtorSnapshot(
                    municipality=municipality,
                    debtor=debtor,
                    period=snapshot_period,
                    category=category,
                    claim_amount=Decimal("3200.00"),
                    known_income=known,
                    house_number=str(number),
                    postcode="9901AA",
                    city="Lindendal",
                    district="Centrum",
                )
            )
        for back, amount in months.items():
            income.append(
                IncomeRecord(
                    municipality=municipality,
                    bsn=bsn,
                    period=_month(period, back),
                    source_id="L100000001",
                    source_name="Bakkerij De Korenschoof",
                    income_kind="employment",
                    amount=Decimal(amount),
                )
            )
        if "new_source" in extra:
            income.append(
                IncomeRecord(
                    municipality=municipality,
                    bsn=bsn,
                    period=period,
                    source_id="L100000002",
                    source_name="Uitzendbureau Vlot",
                    income_kind="employment",
                    amount=Decimal(extra["new_source"]),
                )
            )
        if "balance" in extra:
            BankBalance.objects.create(
                municipality=municipality,
                bsn=bsn,
                reference_date=period.replace(day=15),
                balance=extra["balance"],
            )
        if "vehicle" in extra:
            VehicleRecord.objects.create(
                municipality=municipality,
                bsn=bsn,
                period=period,
                plate=f"TN-{number:03d}-X",
                value=extra["vehicle"],
            )
    DebtorSnapshot.objects.bulk_create(snapshots, ignore_conflicts=True)
    IncomeRecord.objects.bulk_create(income, ignore_conflicts=True)


def run_monthly_batch(*, context: DemoContext) -> None:
    """Run the monthly evaluation for the last demo period of every demo municipality."""
    for municipality in context.municipalities:
        add_showcase_debtors(municipality=municipality, period=context.last_period)
        run = services.start_run(municipality=municipality, period=context.last_period, rerun=True)
        run.refresh_from_db()
        if run.status == EvaluationRun.Status.FINISHED:
            context.log(f"{municipality.name}: {run.signals_found} signals for {run.period:%Y-%m}")
        else:
            context.log(
                f"{municipality.name}: run {run.period:%Y-%m} {run.get_status_display()} on the workers"
            )
