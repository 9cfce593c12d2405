"""Makers for the isolation walk: supplier API objects owned by the given municipality."""

from tenancy.models import Municipality
from tests.intake.arrears_factories import ArrearsReportFactory

KWARGS = {
    "reference": lambda municipality: ArrearsReportFactory(municipality=municipality).reference,
}


def seed(municipality: Municipality) -> list[str]:
    ArrearsReportFactory(municipality=municipality, reference="Kanarie-melding")
    return ["Kanarie-melding"]
