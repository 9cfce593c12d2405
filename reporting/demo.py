"""Demo data of reporting: a few letters per municipality and last month's management report."""

from django.utils import timezone

from signals.models import SignalType
from tenancy.demo import DemoContext
from workbaskets.models import WorkItem

from . import services
from .models import LetterKind, LetterTemplate, ManagementReport

LETTERS_PER_MUNICIPALITY = 5


def fitting_kind(item: WorkItem) -> str:
    """The letter a consultant would most likely send first for this item."""
    if item.kind == WorkItem.Kind.ARREARS:
        return LetterKind.ARREARS_OUTREACH
    types = set(item.signals.values_list("type", flat=True))
    if SignalType.INCOME_RISE in types:
        return LetterKind.INSTALMENT_REVIEW
    if types & {SignalType.VOW_FOUND_ABOVE_NORM, SignalType.VOW_FOUND_BELOW_NORM}:
        return LetterKind.VOW_FOUND
    return LetterKind.ARRANGEMENT_OFFER


def create_demo_letters(*, context: DemoContext) -> None:
    """Write a few letters on open work items and make last month's management report."""
    for municipality in context.municipalities:
        templates = {
            template.kind: template
            for template in LetterTemplate.objects.for_municipality(municipality).current()
        }
        items = (
            WorkItem.objects.for_municipality(municipality)
            .exclude(status=WorkItem.Status.CLOSED)
            .select_related("municipality", "case", "debtor")
            .order_by("pk")[:LETTERS_PER_MUNICIPALITY]
        )
        written = 0
        for item in items:
            template = templates.get(fitting_kind(item))
            if template is not None:
                services.write_letter(item=item, template=template, user=None)
                written += 1
        report, _created = ManagementReport.objects.update_or_create(
            municipality=municipality,
            period=context.last_period,
            defaults={"status": ManagementReport.Status.PENDING, "requested_by": None},
        )
        services.generate_management_report(report=report)
        context.log(
            f"{municipality.name}: {written} letters, management report {context.last_period:%Y-%m} "
            f"({timezone.localdate():%Y-%m-%d})"
        )
