"""Makers for the isolation walk: vroegsignalering objects (API and browser) of the given municipality."""

from tenancy import suppliers
from tenancy.models import Municipality
from tests.intake.arrears_factories import ArrearsCaseFactory, ArrearsReportFactory
from tests.tenancy.factories import CovenantFactory


def _token_id(municipality: Municipality) -> int:
    supplier = CovenantFactory(municipality=municipality).supplier
    token, _key = suppliers.create_api_token(supplier=supplier, name="Kanarie-token")
    return token.pk


KWARGS = {
    "reference": lambda municipality: ArrearsReportFactory(municipality=municipality).reference,
    "supplier_id": lambda municipality: CovenantFactory(municipality=municipality).supplier_id,
    "token_id": _token_id,
    "covenant_id": lambda municipality: CovenantFactory(municipality=municipality).pk,
    "case_id": lambda municipality: ArrearsCaseFactory(municipality=municipality).pk,
}


def seed(municipality: Municipality) -> list[str]:
    """Data of the other municipality that must never show on a page of this one."""
    ArrearsReportFactory(municipality=municipality, reference="Kanarie-melding", in_case=True)
    CovenantFactory(municipality=municipality, supplier__name="Kanarie-leverancier")
    ArrearsCaseFactory(municipality=municipality, last_name="Kanarie-zaakpersoon")
    return ["Kanarie-melding", "Kanarie-leverancier", "Kanarie-zaakpersoon"]
