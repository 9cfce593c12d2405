"""Makers for the isolation walk: URL keyword argument -> an object owned by the given municipality."""

from tenancy.models import Municipality
from tests.intake.factories import DebtorFactory, DebtorSnapshotFactory, DeliveryFactory

KWARGS: dict = {
    "delivery_id": lambda municipality: DeliveryFactory(municipality=municipality, with_errors=True).pk,
    "debtor_id": lambda municipality: DebtorSnapshotFactory(debtor__municipality=municipality).debtor_id,
}


def seed(municipality: Municipality) -> list[str]:
    """Data of the other municipality that must never show on a page of this one."""
    DeliveryFactory(municipality=municipality, original_name="kanarie-debiteuren.csv")
    DebtorFactory(municipality=municipality, debtor_ref="KANARIE-1", last_name="Kanariepiet")
    return ["kanarie-debiteuren.csv", "KANARIE-1", "Kanariepiet"]
