"""Makers for the isolation walk: URL keyword argument -> an object owned by the given municipality."""

from django.contrib.auth import get_user_model

from tenancy.models import Municipality
from tests.workbaskets.factories import WorkBasketFactory, WorkItemFactory
from workbaskets.models import SavedFilter


def _saved_filter(municipality: Municipality) -> int:
    basket = WorkBasketFactory(municipality=municipality)
    user = get_user_model().objects.create_user(username=f"kanarie.filter.{municipality.code}")
    return SavedFilter.objects.create(
        municipality=municipality, user=user, basket=basket, name="Kanarie-filter", query="district=Noord"
    ).pk


KWARGS = {
    "basket_id": lambda municipality: WorkBasketFactory(municipality=municipality).pk,
    "item_id": lambda municipality: WorkItemFactory(basket__municipality=municipality).pk,
    "filter_id": _saved_filter,
}


def seed(municipality: Municipality) -> list[str]:
    """Data of the other municipality that must never show on a page of this one."""
    basket = WorkBasketFactory(municipality=municipality, name="Kanarie-bakje")
    WorkItemFactory(basket=basket, person_ref="Kanarie-debiteur", display_name="Kanarie-naam")
    return ["Kanarie-bakje", "Kanarie-debiteur", "Kanarie-naam"]
