import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reporting.ddas import export_ddas
from tenancy.models import Municipality
from tenancy.services import normalise_municipality_code


class Command(BaseCommand):
    help = "Export a municipality's arrears reports and cases of a period as DDAS v0.9 JSON (validated)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", required=True, help="CBS code, e.g. 0363")
        parser.add_argument(
            "--from", dest="start", required=True, type=dt.date.fromisoformat, help="YYYY-MM-DD"
        )
        parser.add_argument("--to", dest="end", required=True, type=dt.date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument("--output", default="-", help="file to write; - for standard output")

    def handle(
        self, *args: object, municipality: str, start: dt.date, end: dt.date, output: str, **options: object
    ) -> None:
        found = Municipality.objects.filter(code=normalise_municipality_code(municipality)).first()
        if found is None:
            raise CommandError(f"Municipality {municipality} does not exist.")
        if start > end:
            raise CommandError("--from lies after --to.")
        text = json.dumps(export_ddas(municipality=found, start=start, end=end), ensure_ascii=False, indent=2)
        if output == "-":
            self.stdout.write(text)
        else:
            with open(output, "w", encoding="utf-8") as file:
                file.write(text + "\n")
            self.stderr.write(f"Wrote {output}.")
