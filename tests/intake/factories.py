import datetime
import hashlib
from decimal import Decimal

import factory
from django.core.files.base import ContentFile

from intake.models import Debtor, DebtorSnapshot, Delivery
from tests.tenancy.factories import MunicipalityFactory

JUNE = datetime.date(2026, 6, 1)


class DeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delivery

    municipality = factory.SubFactory(MunicipalityFactory)
    kind = Delivery.Kind.DEBTORS
    period = JUNE
    checksum = factory.Sequence(lambda n: hashlib.sha256(str(n).encode()).hexdigest())
    status = Delivery.Status.ACCEPTED
    original_name = "debiteuren.csv"
    original_file = factory.LazyFunction(lambda: ContentFile(b"debtor_ref\n", name="debiteuren.csv"))
    rows_total = 1
    rows_done = 1

    class Params:
        with_errors = factory.Trait(
            rows_rejected=1,
            error_report=factory.LazyFunction(
                lambda: ContentFile(b"Rij;Kolom;Waarde;Melding\r\n3;BSN;1;Ongeldig\r\n", name="fouten.csv")
            ),
        )


class DebtorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Debtor

    municipality = factory.SubFactory(MunicipalityFactory)
    debtor_ref = factory.Sequence(lambda n: f"D{n:06d}")
    bsn = "111222333"
    initials = "J."
    last_name = factory.Sequence(lambda n: f"Kanarie{n}")
    birth_date = datetime.date(1980, 2, 1)
    first_period = JUNE


class DebtorSnapshotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DebtorSnapshot

    debtor = factory.SubFactory(DebtorFactory)
    municipality = factory.SelfAttribute("debtor.municipality")
    period = JUNE
    category = "payer"
    claim_amount = Decimal("1234.56")
    house_number = "12"
    postcode = "1234AB"
