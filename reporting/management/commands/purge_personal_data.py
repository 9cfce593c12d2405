from django.core.management.base import BaseCommand, CommandError, CommandParser

from reporting import retention
from tenancy.models import Municipality
from tenancy.services import normalise_municipality_code


class Command(BaseCommand):
    help = "Remove personal data past its retention term (domain.md section 9); --dry-run only counts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", help="CBS code, e.g. 0363; default every municipality")
        parser.add_argument("--dry-run", action="store_true", help="show what the next purge would remove")

    def handle(self, *args: object, municipality: str | None, dry_run: bool, **options: object) -> None:
        found = Municipality.objects.order_by("code")
        if municipality:
            found = found.filter(code=normalise_municipality_code(municipality))
            if not found.exists():
                raise CommandError(f"Municipality {municipality} does not exist.")
        for each in found:
            if dry_run:
                plan = retention.plan_purge(municipality=each)
                self.stdout.write(f"{each.code} {each.name}: the next purge would remove (dry run)")
                for kind, label, count in plan.rows():
                    self.stdout.write(f"  {kind}: {count} ({label})")
            else:
                batch = retention.purge_personal_data(municipality=each, triggered_by="manage.py")
                self.stdout.write(f"{each.code} {each.name}: purge {batch.pk}")
                for record in batch.records.all():
                    self.stdout.write(f"  {record.kind}: {record.count}")
