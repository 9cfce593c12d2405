import csv

from django.core.management.base import BaseCommand

from signals import services
from tenancy.audit import record_access

from .run_period import municipality_of, parse_period


class Command(BaseCommand):
    help = "Write the signals of one municipality and period as CSV to stdout."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--municipality", required=True, help="CBS code, e.g. 0363 or GM0363")
        parser.add_argument("--period", required=True, help="YYYY-MM")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        municipality = municipality_of(options["municipality"])
        period = parse_period(options["period"])
        record_access(
            municipality=municipality,
            action="export",
            actor="manage.py export_signals",
            object_type="signals.signal",
            detail={"period": f"{period:%Y-%m}", "what": "signals csv"},
        )
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(services.EXPORT_COLUMNS)
        for row in services.export_rows(municipality=municipality, period=period):
            writer.writerow(row)
