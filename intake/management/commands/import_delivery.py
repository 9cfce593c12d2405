"""Import a delivery file from disk: `manage.py import_delivery KIND FILE --municipality CODE --period YYYY-MM`."""

from datetime import date
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser

from intake import services
from intake.models import Delivery
from tenancy.models import Municipality
from tenancy.services import normalise_municipality_code

ERRORS_SHOWN = 50


def period(value: str) -> date:
    try:
        year, month = value.split("-")
        return date(int(year), int(month), 1)
    except ValueError:
        raise CommandError(f"A period looks like YYYY-MM, not {value!r}.") from None


class Command(BaseCommand):
    help = "Import a debtor file or source data; exit status 0 only when the delivery is accepted."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=Delivery.Kind.values)
        parser.add_argument("file", type=Path)
        parser.add_argument("--municipality", required=True, help="CBS code, e.g. 0363 or GM0363")
        parser.add_argument("--period", required=True, type=period, help="YYYY-MM")
        strictness = parser.add_mutually_exclusive_group()
        strictness.add_argument("--strict", dest="strict", action="store_true", default=None)
        strictness.add_argument("--no-strict", dest="strict", action="store_false")

    def handle(self, *args: object, **options: object) -> None:
        path = options["file"]
        assert isinstance(path, Path)
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            code = normalise_municipality_code(str(options["municipality"]))
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        municipality = Municipality.objects.filter(code=code).first()
        if municipality is None:
            raise CommandError(f"No municipality with code {code}.")
        with path.open("rb") as handle:
            delivery = services.receive_delivery(
                municipality=municipality,
                kind=str(options["kind"]),
                period=options["period"],  # type: ignore[arg-type]
                file=File(handle, name=path.name),
                strict=options["strict"],  # type: ignore[arg-type]
                enqueue=False,
            )
        if delivery.status == Delivery.Status.PENDING:
            services.import_delivery(delivery=delivery)
        delivery.refresh_from_db()
        self.report(delivery)
        if delivery.status != Delivery.Status.ACCEPTED:
            raise CommandError(f"Delivery {delivery.pk} {delivery.get_status_display()}: {delivery.message}")

    def report(self, delivery: Delivery) -> None:
        self.stdout.write(f"Delivery {delivery.pk}: {delivery.get_status_display()}")
        self.stdout.write(delivery.message)
        self.stdout.write(f"Rows read: {delivery.rows_done}, rejected: {delivery.rows_rejected}")
        order = ["new", "changed", "ended", "unchanged", "imported", "replaced"]
        for name in sorted(
            delivery.counts, key=lambda name: order.index(name) if name in order else len(order)
        ):
            self.stdout.write(f"{name}: {delivery.counts[name]}")
        if delivery.error_report:
            lines = delivery.error_report.open("rb").read().decode("utf-8-sig").splitlines()
            for line in lines[1 : ERRORS_SHOWN + 1]:
                self.stdout.write(f"  {line}")
            if len(lines) - 1 > ERRORS_SHOWN:
                self.stdout.write(f"  … {len(lines) - 1 - ERRORS_SHOWN} more in the error report")
