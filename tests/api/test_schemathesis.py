"""Property-based run of the supplier API against its own OpenAPI schema (schemathesis).

The schema is loaded over HTTP from /api/schema/ of a live server on the test database, and for every
supplier operation generated requests are checked: no 5xx, status codes, headers and bodies as the
schema says.
"""

import pytest
import schemathesis
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from tenancy import suppliers
from tests.tenancy.factories import CovenantFactory, MunicipalityFactory, SupplierFactory

EXAMPLES_PER_OPERATION = 30
# A schema-valid report may still be refused on meaning (BSN eleven test, dates in the future, no
# covenant): those answer 400/403 by design, so "positive data accepted" is not a check we keep.


@pytest.fixture
def supplier_key(transactional_db):
    cache.clear()
    municipality = MunicipalityFactory(code="0363")
    supplier = SupplierFactory(name="Schemathesis BV", partner_type="Energie")
    CovenantFactory(municipality=municipality, supplier=supplier)
    _token, key = suppliers.create_api_token(supplier=supplier, name="fuzz", rate_limit_per_minute=1_000_000)
    return key


def test_supplier_api_follows_its_schema(live_server, supplier_key):
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/").include(
        path_regex=r"^/api/v1/(arrears-reports|feedback)"
    )
    headers = {"Authorization": f"Bearer {supplier_key}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert sorted(f"{op.method.upper()} {op.path}" for op in operations) == [
        "GET /api/v1/arrears-reports",
        "GET /api/v1/arrears-reports/{reference}",
        "GET /api/v1/feedback",
        "POST /api/v1/arrears-reports",
        "POST /api/v1/arrears-reports/{reference}/withdraw",
    ]
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck))
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(
                base_url=live_server.url, headers=headers, excluded_checks=[checks.positive_data_acceptance]
            )

        check()
