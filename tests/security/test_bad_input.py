"""Bad input: hypothesis property tests for the CSV upload parser, the supplier API and the
work-basket criteria engine, plus oversized and malformed uploads in the browser and the API.

The delivery import of issue 3 is checked the same way: whole or not at all, never an exception.
"""

import datetime
import json
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from intake import services as intake_services
from intake.arrears.forms import MAX_UPLOAD_BYTES
from intake.arrears.upload import UploadError, read_reports
from intake.models import ArrearsReport, Debtor, DebtorSnapshot, Delivery
from tenancy import suppliers
from tenancy.models import SupplierMembership
from tests.tenancy.factories import CovenantFactory, MunicipalityFactory, SupplierFactory, UserFactory
from workbaskets import routing

DB_EXAMPLES = hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
COLUMNS = [
    "reference",
    "Kenmerk",
    "municipality_code",
    "amount",
    "Bedrag",
    "bsn",
    "signal_date",
    "crisis",
    "x",
]
cells = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
csv_text = st.builds(
    lambda header, rows, sep: "\n".join([sep.join(header)] + [sep.join(row) for row in rows]),
    st.lists(st.sampled_from(COLUMNS), min_size=0, max_size=5),
    st.lists(st.lists(cells, max_size=6), max_size=5),
    st.sampled_from([",", ";", "\t"]),
)


@given(st.one_of(st.binary(max_size=400), csv_text.map(str.encode)))
@hypothesis_settings(max_examples=300, deadline=None)
def test_the_csv_parser_returns_rows_or_a_clear_upload_error(content):
    try:
        rows = read_reports(content)
    except UploadError:
        return
    assert isinstance(rows, list)
    assert all(isinstance(row, dict) and all(isinstance(key, str) for key in row) for row in rows)


@pytest.fixture
def supplier_setup(db):
    supplier = SupplierFactory(partner_type="Huur")
    CovenantFactory(municipality=MunicipalityFactory(code="0999"), supplier=supplier)
    user = UserFactory()
    SupplierMembership.objects.create(user=user, supplier=supplier)
    browser = Client()
    browser.force_login(user)
    _token, key = suppliers.create_api_token(supplier=supplier, name="fuzz")
    return supplier, browser, Client(HTTP_AUTHORIZATION=f"Bearer {key}")


@pytest.mark.django_db
@given(content=st.one_of(st.binary(max_size=300), csv_text.map(str.encode)))
@DB_EXAMPLES
def test_browser_upload_never_answers_500_and_a_refused_file_stores_nothing(supplier_setup, content):
    supplier, browser, _api = supplier_setup
    before = ArrearsReport.objects.count()
    response = browser.post(
        f"/intake/suppliers/{supplier.pk}/upload/", {"file": SimpleUploadedFile("x.csv", content)}
    )
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert ArrearsReport.objects.count() == before
    else:
        counts = response.context["counts"]
        assert ArrearsReport.objects.count() == before + counts["created"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=20,
)
report_like = st.fixed_dictionaries(
    {},
    optional={
        "reference": json_values | st.text(max_size=120),
        "municipality_code": st.sampled_from(["0999", "999", "abcd", ""]) | json_values,
        "amount": st.sampled_from(["450.00", "-1", "1e999", "NaN", "99999999999"]) | json_values,
        "signal_date": st.sampled_from(["2026-11-01", "2026-02-30", "01-11-2026"]) | json_values,
        "arrears_since": st.sampled_from(["2026-09-01", "9999-12-31"]) | json_values,
        "bsn": st.sampled_from(["123456782", "1", "12345678x"]) | json_values,
        "crisis": json_values,
    },
)


@pytest.mark.django_db
@given(body=st.one_of(json_values, report_like, st.lists(report_like, max_size=5)))
@DB_EXAMPLES
def test_api_never_answers_500_on_any_json(supplier_setup, body):
    _supplier, _browser, api = supplier_setup
    response = api.post("/api/v1/arrears-reports", json.dumps(body), content_type="application/json")
    assert response.status_code in (200, 201, 400, 403, 413)


@pytest.mark.django_db
def test_malformed_and_oversized_uploads_get_clear_errors(supplier_setup, settings):
    supplier, browser, api = supplier_setup
    url = f"/intake/suppliers/{supplier.pk}/upload/"

    too_big = browser.post(
        url, {"file": SimpleUploadedFile("big.csv", b"reference\n" + b"R\n" * MAX_UPLOAD_BYTES)}
    )
    assert too_big.status_code == 413
    assert too_big.context["form"].has_error("file", "too_large")
    unknown = browser.post(url, {"file": SimpleUploadedFile("x.csv", b"reference,colour\nR-1,red\n")})
    assert unknown.status_code == 400
    assert too_big.context["form"].errors["file"]
    assert unknown.context["form"].errors["file"] == ["Unknown columns: colour."]
    empty = browser.post(url, {"file": SimpleUploadedFile("x.csv", b"")})
    assert empty.status_code == 400

    assert (
        api.post("/api/v1/arrears-reports", "{not json", content_type="application/json").status_code == 400
    )
    assert api.post("/api/v1/arrears-reports", "<x/>", content_type="application/xml").status_code == 415
    settings.ARREARS_API_MAX_REQUEST_BYTES = 100
    assert (
        api.post(
            "/api/v1/arrears-reports", json.dumps([{"reference": "R" * 200}]), content_type="application/json"
        ).status_code
        == 413
    )
    assert ArrearsReport.objects.count() == 0


# -- the criteria engine -----------------------------------------------------------------------

raw_values = st.one_of(
    st.text(max_size=10),
    st.integers(-1000, 1000),
    st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-10_000, max_value=10_000),
    st.booleans(),
    st.none(),
    st.lists(st.text(max_size=6), max_size=3),
)


@given(
    field=st.sampled_from([*routing.Field, "colour"]),
    operator=st.sampled_from([*routing.Operator, "~"]),
    value=raw_values,
)
@hypothesis_settings(max_examples=500, deadline=None)
def test_a_condition_is_either_valid_and_round_trips_or_refused_with_invalid_condition(
    field, operator, value
):
    try:
        condition = routing.Condition.of(str(field), str(operator), value)
    except routing.InvalidCondition:
        return
    assert routing.Condition.from_json(condition.as_json()) == condition


def _valid_condition(data) -> routing.Condition | None:
    try:
        return routing.Condition.of(*data)
    except routing.InvalidCondition:
        return None


conditions = (
    st.tuples(st.sampled_from(list(routing.Field)), st.sampled_from(list(routing.Operator)), raw_values)
    .map(_valid_condition)
    .filter(lambda condition: condition is not None)
)

facts = st.builds(
    routing.ItemFacts,
    key=st.integers(0, 10_000),
    kind=st.sampled_from([None, "debtor_signal", "arrears"]),
    signal_types=st.frozensets(st.sampled_from(["A", "B", "vehicle", "income_rise"]), max_size=3),
    debtor_category=st.sampled_from([None, "payer", "non_payer"]),
    age=st.none() | st.integers(0, 120),
    amount=st.none()
    | st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=0, max_value=100_000),
    supplier_count=st.none() | st.integers(0, 9),
    partner_types=st.frozensets(st.sampled_from(["Huur", "Energie", "Water"]), max_size=3),
    crisis=st.none() | st.booleans(),
    repeat=st.none() | st.booleans(),
    district=st.none() | st.text(max_size=8),
    has_open_arrears=st.none() | st.booleans(),
    is_welfare_debtor=st.none() | st.booleans(),
    known_seizure=st.none() | st.booleans(),
    income=st.none()
    | st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=0, max_value=10_000),
    capacity_gap=st.none()
    | st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-5_000, max_value=5_000),
)
baskets = st.lists(
    st.tuples(st.lists(conditions, max_size=3), st.sampled_from(list(routing.MatchMode))),
    min_size=1,
    max_size=4,
).map(
    lambda specs: [
        routing.Basket(key=index, name=f"b{index}", conditions=tuple(conds), match_mode=mode)
        for index, (conds, mode) in enumerate(specs)
    ]
)


@given(items=st.lists(facts, max_size=8), baskets=baskets)
@hypothesis_settings(max_examples=300, deadline=None)
def test_routing_sends_every_item_to_exactly_one_basket_the_first_that_matches(items, baskets):
    decisions = routing.route(items, baskets)
    assert [decision.item_key for decision in decisions] == [item.key for item in items]
    for item, decision in zip(items, decisions, strict=True):
        expected = next(
            (basket.key for basket in baskets[:-1] if _matches(basket, item)),
            baskets[-1].key,
        )
        assert decision.basket_key == expected
        assert routing.route_one(item, baskets) == decision


def _matches(basket: routing.Basket, item: routing.ItemFacts) -> bool:
    """The documented rule, written out plainly: all conditions, or the required ones plus any other."""
    if not basket.conditions:
        return True
    results = [(condition.required, condition.matches(item)) for condition in basket.conditions]
    if basket.match_mode == routing.MatchMode.ALL:
        return all(ok for _required, ok in results)
    if not all(ok for required, ok in results if required):
        return False
    optional = [ok for required, ok in results if not required]
    return any(optional) if optional else True


def test_decimal_values_compare_as_numbers():
    condition = routing.Condition.of("amount", str(routing.Operator.GE), "1000,50")
    assert condition.value == Decimal("1000.50")


# -- the delivery parsers of intake (issue 3) --------------------------------------------------

DEBTOR_HEADER = "debtor_ref,bsn,last_name,birth_date,house_number,postcode,category,claim_amount,known_income"
GOOD_ROW = "D1,111222333,Jansen,1980-02-01,1,1234AB,payer,1000.00,1400"
debtor_cells = st.one_of(
    cells,
    st.sampled_from(
        ["111222333", "012345672", "1980-02-01", "31-02-1980", "1.000,00", "-5", "payer", "vow", ""]
    ),
)
debtor_file = st.one_of(
    st.binary(max_size=300),
    st.lists(st.lists(debtor_cells, min_size=0, max_size=10).map(",".join), max_size=6).map(
        lambda rows: "\n".join([DEBTOR_HEADER, GOOD_ROW, *rows]).encode()
    ),
    st.lists(st.sampled_from([*DEBTOR_HEADER.split(","), "colour", ""]), max_size=10).map(
        lambda header: (",".join(header) + "\n" + GOOD_ROW).encode()
    ),
)


@pytest.mark.django_db
@given(content=debtor_file)
@DB_EXAMPLES
def test_a_delivery_is_imported_whole_or_not_at_all(content):
    municipality = MunicipalityFactory()
    delivery = intake_services.receive_delivery(
        municipality=municipality,
        kind="debtors",
        period=datetime.date(2026, 6, 1),
        file=ContentFile(content, name="debtors.csv"),
        strict=True,
        enqueue=False,
    )
    intake_services.import_delivery(delivery=delivery)  # never raises: the delivery row tells
    delivery.refresh_from_db()
    assert delivery.status in (Delivery.Status.ACCEPTED, Delivery.Status.REJECTED)
    debtors = Debtor.objects.for_municipality(municipality).count()
    snapshots = DebtorSnapshot.objects.for_municipality(municipality).count()
    if delivery.status == Delivery.Status.REJECTED:
        assert (debtors, snapshots) == (0, 0)
    else:
        assert debtors == snapshots >= 1
