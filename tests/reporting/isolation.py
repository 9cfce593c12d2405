"""Makers for the isolation walk: reporting's URL keyword arguments."""

from reporting.models import DestructionBatch, Letter, LetterBatch, ManagementReport
from tenancy.models import Municipality
from tests.reporting.factories import PERIOD, LetterTemplateFactory, WorkBasketFactory, WorkItemFactory


def _letter(municipality: Municipality) -> int:
    template = LetterTemplateFactory(municipality=municipality)
    item = WorkItemFactory(municipality=municipality)
    return Letter.objects.create(municipality=municipality, template=template, work_item=item).pk


def _batch(municipality: Municipality) -> int:
    template = LetterTemplateFactory(municipality=municipality)
    return LetterBatch.objects.create(municipality=municipality, template=template).pk


KWARGS = {
    "template_id": lambda municipality: LetterTemplateFactory(municipality=municipality).pk,
    "item_id": lambda municipality: WorkItemFactory(municipality=municipality).pk,
    "letter_id": _letter,
    "batch_id": _batch,
    "report_id": lambda municipality: (
        ManagementReport.objects.get_or_create(municipality=municipality, period=PERIOD)[0].pk
    ),
}


def seed(municipality: Municipality) -> list[str]:
    """Reporting data of the other municipality that must never show on a page of this one."""
    LetterTemplateFactory(municipality=municipality, name="Kanarie-brief")
    basket = WorkBasketFactory(municipality=municipality, name="Kanarie-briefbakje")
    template = LetterTemplateFactory(municipality=municipality, name="Kanarie-batchbrief")
    LetterBatch.objects.create(municipality=municipality, template=template, basket=basket)
    DestructionBatch.objects.create(municipality=municipality, triggered_by="Kanarie-purge")
    return ["Kanarie-brief", "Kanarie-briefbakje", "Kanarie-batchbrief", "Kanarie-purge"]
