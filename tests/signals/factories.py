import datetime
from decimal import Decimal

import factory

from intake.models import BankBalance, DebtorSnapshot, IncomeRecord, VehicleRecord
from signals.models import DebtorExclusion, EvaluationRun, Signal, WhatIf
from tests.intake.factories import DebtorFactory as BaseDebtorFactory
from tests.tenancy.factories import MunicipalityFactory
from thresholds.models import ThresholdProfile

JANUARY = datetime.date(2026, 1, 1)


class DebtorFactory(BaseDebtorFactory):
    """The intake debtor factory (one shared debtor number sequence) with this app's defaults."""

    bsn = factory.Sequence(lambda n: f"{100000000 + n * 7:09d}")
    last_name = "Jansen"
    birth_date = datetime.date(1980, 5, 1)
    first_period = datetime.date(2025, 1, 1)


class DebtorSnapshotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DebtorSnapshot

    debtor = factory.SubFactory(DebtorFactory)
    municipality = factory.SelfAttribute("debtor.municipality")
    period = JANUARY
    category = "payer"
    claim_amount = Decimal("2500.00")
    house_number = "1"
    postcode = "9901AA"


class IncomeRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IncomeRecord

    municipality = factory.SubFactory(MunicipalityFactory)
    bsn = "100000000"
    period = JANUARY
    source_id = "L001"
    source_name = "Bakkerij De Korenschoof"
    income_kind = IncomeRecord.Kind.EMPLOYMENT
    amount = Decimal("1600.00")


class BankBalanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BankBalance

    municipality = factory.SubFactory(MunicipalityFactory)
    bsn = "100000000"
    reference_date = datetime.date(2026, 1, 15)
    balance = Decimal("9000.00")


class VehicleRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VehicleRecord

    municipality = factory.SubFactory(MunicipalityFactory)
    bsn = "100000000"
    period = JANUARY
    plate = factory.Sequence(lambda n: f"AB{n:03d}C")
    registration_date = datetime.date(2025, 3, 1)
    value = Decimal("8000.00")


class ThresholdProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ThresholdProfile
        django_get_or_create = ["municipality", "category"]

    municipality = factory.SubFactory(MunicipalityFactory)
    category = "payer"


class EvaluationRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvaluationRun

    municipality = factory.SubFactory(MunicipalityFactory)
    period = JANUARY

    class Params:
        finished = factory.Trait(status=EvaluationRun.Status.FINISHED)


class SignalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Signal

    debtor = factory.SubFactory(DebtorFactory)
    municipality = factory.SelfAttribute("debtor.municipality")
    type = "VEHICLE"
    period = JANUARY
    category = "payer"
    evidence_key = factory.Sequence(lambda n: f"XX{n:03d}Y")
    evidence = factory.LazyAttribute(
        lambda o: {
            "plate": o.evidence_key,
            "value": "8000.00",
            "registration_date": "2025-03-01",
            "previous_snapshot": True,
            "thresholds": {"vehicle_value": "5000.00"},
        }
    )


class DebtorExclusionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DebtorExclusion

    debtor = factory.SubFactory(DebtorFactory)
    municipality = factory.SelfAttribute("debtor.municipality")
    reason = "Schuldhulptraject"
    starts_on = datetime.date(2025, 12, 1)
    ends_on = datetime.date(2026, 6, 30)


class WhatIfFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WhatIf

    profile = factory.SubFactory("tests.signals.factories.ThresholdProfileFactory", category="payer")
    municipality = factory.SelfAttribute("profile.municipality")
    period = JANUARY
    thresholds = factory.LazyFunction(dict)

    class Params:
        finished = factory.Trait(
            status=WhatIf.Status.FINISHED,
            counts=factory.LazyFunction(lambda: {"ASSETS": 2}),
            actual_counts=factory.LazyFunction(lambda: {"ASSETS": 1}),
        )


def debtor_in_period(municipality, *, category="payer", known_income=None, periods=(JANUARY,), **fields):
    """A debtor with a snapshot in each of `periods` (the last one decides the category in M)."""
    debtor = DebtorFactory(municipality=municipality, first_period=min(periods), **fields)
    for period in periods:
        DebtorSnapshotFactory(debtor=debtor, period=period, category=category, known_income=known_income)
    return debtor


def income(municipality, debtor, months, source_id="L001", source_name="Bakkerij De Korenschoof"):
    """months: {"2025-12": "1600.00", ...} for one source."""
    for label, amount in months.items():
        year, month = label.split("-")
        IncomeRecordFactory(
            municipality=municipality,
            bsn=debtor.bsn,
            period=datetime.date(int(year), int(month), 1),
            source_id=source_id,
            source_name=source_name,
            amount=Decimal(amount),
        )
