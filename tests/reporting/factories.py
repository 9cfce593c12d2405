"""Factories for reporting tests. Each yields objects of one consistent municipality.

The work-basket, intake and signals helpers bring their own factories; these are the minimum
reporting needs, on the contract fields only.
"""

import datetime
from decimal import Decimal

import factory

from intake.models import ArrearsReport, DebtorSnapshot
from reporting.letter_defaults import DEFAULT_LETTERS
from reporting.models import LetterTemplate
from signals.models import Signal, SignalType
from tests.intake.arrears_factories import ArrearsCaseFactory as BaseArrearsCaseFactory
from tests.intake.factories import DebtorFactory as BaseDebtorFactory
from tests.tenancy.factories import MunicipalityFactory, SupplierFactory
from workbaskets.models import WorkBasket, WorkItem

PERIOD = datetime.date(2026, 10, 1)
OUTREACH = DEFAULT_LETTERS[0]


class LetterTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LetterTemplate

    municipality = factory.SubFactory(MunicipalityFactory)
    kind = OUTREACH.kind
    version = factory.Sequence(lambda n: n + 1)
    name = OUTREACH.name
    subject = OUTREACH.subject
    body = OUTREACH.body
    annex = OUTREACH.annex


class WorkBasketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkBasket

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"Werkbakje {n}")
    position = factory.Sequence(lambda n: n)


class DebtorFactory(BaseDebtorFactory):
    """The intake debtor factory (one shared debtor number sequence) with this app's defaults."""

    bsn = "111222333"
    initials = "J."
    prefix = "de"
    last_name = factory.Sequence(lambda n: f"Vries{n}")
    birth_date = datetime.date(1980, 5, 17)
    first_period = datetime.date(2025, 1, 1)


class DebtorSnapshotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DebtorSnapshot

    debtor = factory.SubFactory(DebtorFactory)
    municipality = factory.SelfAttribute("debtor.municipality")
    period = PERIOD
    category = "payer"
    claim_amount = Decimal("3250.00")
    instalment = Decimal("50.00")
    paid_last_month = Decimal("50.00")
    district = "Centrum"
    street = "Dorpsstraat"
    house_number = "12"
    house_number_suffix = "A"
    postcode = "1234AB"
    city = "Testdorp"


class ArrearsCaseFactory(BaseArrearsCaseFactory):
    """The intake case factory (person, household and group keys) with this app's defaults."""

    initials = "P."
    prefix = ""
    last_name = factory.Sequence(lambda n: f"Jansen{n}")
    street = "Kerkstraat"
    house_number = "3"
    postcode = "5678CD"
    city = "Testdorp"
    opened_on = datetime.date(2026, 10, 6)
    due_date = datetime.date(2026, 11, 3)


class ArrearsReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ArrearsReport

    case = factory.SubFactory(ArrearsCaseFactory)
    municipality = factory.SelfAttribute("case.municipality")
    supplier = factory.SubFactory(SupplierFactory)
    reference = factory.Sequence(lambda n: f"REF-{n}")
    partner_type = "Energie"
    amount = Decimal("412.50")
    arrears_since = datetime.date(2026, 8, 1)
    signal_date = datetime.date(2026, 10, 5)
    postcode = factory.SelfAttribute("case.postcode")


class SignalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Signal

    debtor = factory.SubFactory(DebtorFactory)
    municipality = factory.SelfAttribute("debtor.municipality")
    type = SignalType.INCOME_RISE
    period = PERIOD
    category = "payer"
    evidence = factory.LazyFunction(dict)


class WorkItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkItem

    municipality = factory.SubFactory(MunicipalityFactory)
    basket = factory.SubFactory(WorkBasketFactory, municipality=factory.SelfAttribute("..municipality"))
    kind = WorkItem.Kind.ARREARS
    case = factory.SubFactory(ArrearsCaseFactory, municipality=factory.SelfAttribute("..municipality"))

    class Params:
        debtor_signal = factory.Trait(kind=WorkItem.Kind.DEBTOR_SIGNAL, case=None)
