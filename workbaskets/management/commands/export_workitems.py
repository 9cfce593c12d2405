from django.core.management.base import BaseCommand, CommandError

from tenancy.audit import record_access
from tenancy.models import Municipality
from workbaskets import exports
from workbaskets.models import WorkItem


class Command(BaseCommand):
    help = "Write every work item of one municipality as CSV to stdout."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--municipality", required=True, help="CBS code, e.g. 0363 or GM0363")

    def handle(self, *args, municipality: str, **options):  # type: ignore[no-untyped-def]
        code = municipality.upper().removeprefix("GM")
        found = Municipality.objects.filter(code=code).first()
        if found is None:
            raise CommandError(f"No municipality with code {code}.")
        items = WorkItem.objects.for_municipality(found).order_by("pk")
        count = 0

        def counted():  # type: ignore[no-untyped-def]
            nonlocal count
            for row in exports.iter_rows(items):
                count += 1
                yield row

        exports.write_csv(self.stdout, exports.COMMAND_COLUMNS, counted())
        record_access(
            municipality=found,
            action="export",
            actor="manage.py export_workitems",
            object_type="workbaskets.workitem",
            detail={"rows": count},
        )
