import datetime as dt
from decimal import Decimal

import factory

from intake.models import ArrearsCase, ArrearsReport
from tests.tenancy.factories import MunicipalityFactory, SupplierFactory


class ArrearsCaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ArrearsCase

    municipality = factory.SubFactory(MunicipalityFactory)
    person_key = factory.Sequence(lambda n: f"person-{n}")
    household_key = factory.Sequence(lambda n: f"household-{n}")
    group_key = factory.LazyAttribute(lambda case: case.household_key)
    opened_on = dt.date(2026, 3, 1)
    due_date = dt.date(2026, 3, 29)


class ArrearsReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ArrearsReport

    municipality = factory.SubFactory(MunicipalityFactory)
    supplier = factory.SubFactory(SupplierFactory)
    reference = factory.Sequence(lambda n: f"REF-{n:06d}")
    partner_type = "Huur"
    amount = Decimal("450.00")
    arrears_since = dt.date(2026, 1, 1)
    signal_date = dt.date(2026, 3, 1)
    last_name = "Kanarie-persoon"

    class Params:
        in_case = factory.Trait(
            case=factory.SubFactory(ArrearsCaseFactory, municipality=factory.SelfAttribute("..municipality"))
        )
