from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenancy.services import create_municipality


class Command(BaseCommand):
    help = "Create a municipality with all its defaults (thresholds, work baskets, letter templates)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="CBS code, e.g. 0363 or GM0363")
        parser.add_argument("name", help='e.g. "Gemeente Amsterdam"')

    def handle(self, *args: object, code: str, name: str, **options: object) -> None:
        try:
            municipality = create_municipality(code=code, name=name)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(f"Created {municipality.name} ({municipality.code}).")
