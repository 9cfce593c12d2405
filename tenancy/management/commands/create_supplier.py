from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenancy import suppliers
from tenancy.models import Municipality, PartnerType
from tenancy.services import normalise_municipality_code


class Command(BaseCommand):
    help = (
        "Create a supplier with an active covenant with a municipality (run again for more municipalities)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help='e.g. "Woonstad Rotterdam"')
        parser.add_argument(
            "--partner-type", required=True, choices=PartnerType.values, help="DDAS partner type"
        )
        parser.add_argument("--municipality", required=True, help="CBS code, e.g. 0363 or GM0363")

    def handle(
        self, *args: object, name: str, partner_type: str, municipality: str, **options: object
    ) -> None:
        try:
            code = normalise_municipality_code(municipality)
            found = Municipality.objects.filter(code=code).first()
            if found is None:
                raise CommandError(f"Municipality {code} does not exist.")
            supplier = suppliers.create_supplier(name=name, partner_type=partner_type, municipality=found)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(
            f"Supplier {supplier.name} ({supplier.partner_type}) has an active covenant with {found}."
        )
