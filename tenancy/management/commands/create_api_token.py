from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenancy import suppliers
from tenancy.models import Supplier


class Command(BaseCommand):
    help = "Issue an API token for a supplier. The token is printed once, on the last line; only its hash is kept."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="the supplier's name")
        parser.add_argument("--token-name", default="command line", help="what the token is for")
        parser.add_argument("--rate-limit", type=int, default=None, help="requests per minute (default 600)")

    def handle(
        self, *args: object, name: str, token_name: str, rate_limit: int | None, **options: object
    ) -> None:
        supplier = Supplier.objects.filter(name=name).first()
        if supplier is None:
            raise CommandError(f"Supplier {name!r} does not exist; create it with create_supplier.")
        token, key = suppliers.create_api_token(
            supplier=supplier, name=token_name, rate_limit_per_minute=rate_limit
        )
        self.stdout.write(
            f"Token {token.key_prefix}… for {supplier.name}. Store it now: it is not shown again."
        )
        self.stdout.write(key)
