import datetime

import factory
from django.contrib.auth import get_user_model

from tenancy.models import Covenant, Membership, Municipality, PartnerType, Role, Supplier, Team


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"{8000 + n:04d}")
    name = factory.Sequence(lambda n: f"Gemeente Testdorp {n}")
    city = factory.Sequence(lambda n: f"Testdorp {n}")
    primary_colour = "#0b5394"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("secret-password-123")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"Team {n}")

    class Params:
        wijkteam = factory.Trait(kind=Team.Kind.WIJKTEAM)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    municipality = factory.SubFactory(MunicipalityFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.CONSULTANT

    class Params:
        administrator = factory.Trait(role=Role.ADMINISTRATOR)
        manager = factory.Trait(role=Role.MANAGER)


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supplier

    name = factory.Sequence(lambda n: f"Woningstichting Test {n}")
    partner_type = PartnerType.HUUR


class CovenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Covenant

    municipality = factory.SubFactory(MunicipalityFactory)
    supplier = factory.SubFactory(SupplierFactory)
    valid_from = datetime.date(2024, 1, 1)
    valid_to = None
