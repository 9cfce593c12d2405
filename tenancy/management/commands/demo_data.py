import time
from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.module_loading import import_string

from tenancy.demo import DEMO_PASSWORD, DemoContext

DEFAULT_LAST_PERIOD = "2026-10"  # fixed, so a seed always yields the same data


def period(value: str) -> date:
    try:
        year, month = value.split("-")
        return date(int(year), int(month), 1)
    except ValueError:
        raise CommandError(f"A period looks like YYYY-MM, not {value!r}.") from None


class Command(BaseCommand):
    help = "Fill the database with synthetic demo data: municipalities, logins, debtors, reports, signals."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipalities", type=int, default=2)
        parser.add_argument("--debtors", type=int, default=1000, help="debtors per municipality")
        parser.add_argument("--months", type=int, default=12)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--until", default=DEFAULT_LAST_PERIOD, help="last period, YYYY-MM")
        parser.add_argument(
            "--steps", default="", help="comma-separated step names to run (default: all of DEMO_DATA_STEPS)"
        )

    def handle(self, *args: object, **options: object) -> None:
        context = DemoContext(
            seed=int(options["seed"]),  # type: ignore[call-overload]
            municipalities_count=int(options["municipalities"]),  # type: ignore[call-overload]
            debtors=int(options["debtors"]),  # type: ignore[call-overload]
            months=int(options["months"]),  # type: ignore[call-overload]
            last_period=period(str(options["until"])),
            log=lambda message: self.stdout.write(f"  {message}"),
        )
        wanted = {name for name in str(options["steps"]).split(",") if name}
        for path in settings.DEMO_DATA_STEPS:
            if wanted and path.rsplit(".", 1)[-1] not in wanted:
                continue
            started = time.monotonic()
            self.stdout.write(f"{path} …")
            import_string(path)(context=context)
            self.stdout.write(f"  done in {time.monotonic() - started:.1f} s")
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, role, municipality in context.logins:
            self.stdout.write(f"  {username:<28} {role:<14} {municipality}")
