"""Makers for the isolation walk: URL keyword argument -> an object owned by the given municipality."""

from tenancy import services
from tenancy.audit import record_access
from tenancy.models import Municipality
from tests.tenancy.factories import MembershipFactory

KWARGS = {
    "membership_id": lambda municipality: MembershipFactory(municipality=municipality).pk,
}


def seed(municipality: Municipality) -> list[str]:
    """Data of the other municipality that must never show on a page of this one."""
    services.issue_api_token(name="Kanarie-koppeling", municipality=municipality, scopes=[])
    record_access(
        municipality=municipality,
        actor="kanarie.gebruiker",
        action="view",
        object_type="intake.debtor",
        person_ref="Kanarie-persoon",
    )
    MembershipFactory(municipality=municipality, user__username="kanarie.collega")
    return [municipality.name, "Kanarie-koppeling", "kanarie.gebruiker", "Kanarie-persoon", "kanarie.collega"]
