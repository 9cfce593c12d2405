import datetime
from decimal import Decimal

import factory

from intake.models import ArrearsReport, DebtorSnapshot
from signals.models import Signal, SignalType
from tenancy.models import PartnerType
from tests.intake.arrears_factories import ArrearsCaseFactory as BaseArrearsCaseFactory
from tests.intake.factories import DebtorFactory as BaseDebtorFactory
from tests.tenancy.factories import MunicipalityFactory, SupplierFactory
from workbaskets.models import WorkBasket, WorkItem

PERIOD = datetime.date(2026, 10, 1)


class DebtorFactory(BaseDebtorFactory):
    """The intake debtor factory (one shared debtor number sequence) with this app's defaults."""

    bsn = factory.Sequence(lambda n: f"{100000000 + n}")
    initials = "J."
    last_name = factory.Sequence(lambda n: f"Jansen{n}")
    birth_date = datetime.date(1980, 5, 1)
    first_period = datetime.date(2025, 1, 1)


class DebtorSnapshotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DebtorSnapshot

    debtor = factory.SubFactory(DebtorFactory)
    municipality = factory.SelfAttribute("debtor.municipality")
    period = PERIOD
    category = "payer"
    claim_amount = Decimal("3200.00")
    instalment = Decimal("50.00")
    known_income = Decimal("1400.00")
    district = "Noord"
    house_number = "1"
    postcode = "1234AB"


class SignalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Signal

    debtor = factory.SubFactory(DebtorFactory)
    municipality = factory.SelfAttribute("debtor.municipality")
    type = SignalType.INCOME_RISE
    period = PERIOD
    category = "payer"
    evidence = factory.LazyFunction(lambda: {"income": "1750.00", "months": ["2026-09", "2026-10"]})


class ArrearsCaseFactory(BaseArrearsCaseFactory):
    """The intake case factory (person, household and group keys) with this app's defaults."""

    last_name = factory.Sequence(lambda n: f"Bakker{n}")
    initials = "A."
    birth_date = datetime.date(1990, 3, 1)
    opened_on = datetime.date(2026, 11, 2)
    due_date = datetime.date(2026, 11, 30)


class ArrearsReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ArrearsReport

    case = factory.SubFactory(ArrearsCaseFactory)
    municipality = factory.SelfAttribute("case.municipality")
    supplier = factory.SubFactory(SupplierFactory, partner_type=PartnerType.ENERGIE)
    reference = factory.Sequence(lambda n: f"REF-{n}")
    partner_type = PartnerType.ENERGIE
    amount = Decimal("450.00")
    arrears_since = datetime.date(2026, 9, 1)
    signal_date = datetime.date(2026, 11, 2)


class WorkBasketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkBasket

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"Bakje {n}")
    position = factory.Sequence(lambda n: n + 1)
    treatment_path = factory.LazyFunction(
        lambda: [
            {"action": "Brief", "label": "Brief sturen", "term_days": 14, "working_days": False},
            {"action": "Telefoon", "label": "Bellen", "term_days": 7, "working_days": False},
        ]
    )


class WorkItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkItem

    basket = factory.SubFactory(WorkBasketFactory)
    municipality = factory.SelfAttribute("basket.municipality")
    kind = WorkItem.Kind.DEBTOR_SIGNAL
    person_ref = factory.Sequence(lambda n: f"D{n:06d}")
    district = "Noord"
    amount = Decimal("1000.00")
    signal_types = "|INCOME_RISE|"
    due_date = datetime.date(2026, 12, 1)
    routing = factory.LazyAttribute(lambda o: {"basket": o.basket.name, "explanation": "test"})

    class Params:
        started = factory.Trait(status=WorkItem.Status.IN_PROGRESS)
