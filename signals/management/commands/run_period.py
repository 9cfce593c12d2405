import datetime

from django.core.management.base import BaseCommand, CommandError

from signals import services
from signals.models import EvaluationRun
from tenancy.models import Municipality
from tenancy.services import normalise_municipality_code


def parse_period(value: str) -> datetime.date:
    try:
        year, month = value.split("-")
        return datetime.date(int(year), int(month), 1)
    except ValueError as error:
        raise CommandError(f"{value!r} is not a period YYYY-MM") from error


def municipality_of(code: str) -> Municipality:
    municipality = Municipality.objects.filter(code=normalise_municipality_code(code)).first()
    if municipality is None:
        raise CommandError(f"No municipality with code {code}")
    return municipality


class Command(BaseCommand):
    help = "Start (or resume) the monthly evaluation run of one municipality and period."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--municipality", required=True, help="CBS code, e.g. 0363 or GM0363")
        parser.add_argument("--period", required=True, help="YYYY-MM")
        parser.add_argument("--rerun", action="store_true", help="evaluate a finished period again")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        municipality = municipality_of(options["municipality"])
        run = services.start_run(
            municipality=municipality, period=parse_period(options["period"]), rerun=options["rerun"]
        )
        run.refresh_from_db()
        if run.status == EvaluationRun.Status.FINISHED:
            self.stdout.write(
                f"{municipality.code} {run.period:%Y-%m}: finished, {run.debtors_done} debtors, "
                f"{run.signals_found} signals"
            )
        else:
            self.stdout.write(
                f"{municipality.code} {run.period:%Y-%m}: {run.get_status_display()} (run {run.pk})"
            )
