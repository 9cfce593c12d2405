"""The bulk path of the arrears API: results equal the single-report path, chunks stored as one."""

import json
import threading

import pytest
from django.db import connection
from django.test import Client

from intake.arrears import services, store
from intake.models import ArrearsReport
from tenancy import suppliers
from tests.api.test_arrears_api import URL, post, report
from tests.tenancy.factories import CovenantFactory, MunicipalityFactory, SupplierFactory

STORED_FIELDS = [column for column in store.REPORT_COLUMNS if column != "supplier_id"]


def mixed_reports() -> list[dict]:
    """Good, bad, duplicate, refused, conflicting and updating reports, in one list."""
    return [
        report(reference="B-1"),
        report(reference="B-2", bsn="", birth_date="1980-02-29", postcode="1234 ab", house_number="7"),
        report(reference="B-3", bsn="123456789", colour="red"),
        report(reference="B-1", amount="99.00"),  # twice in one request
        report(reference="B-4", municipality_code="0888"),  # no covenant
        report(reference="B-5", municipality_code="GM0999", amount=" 12.5 ", crisis=True),
        report(reference="B-C"),  # bound to another municipality already
        report(reference="B-0", amount="800.00"),  # known: an update
        "not an object",
        report(reference="B-6", bsn=" 123456782 ", last_name="  van der Berg  "),
    ]


def supplier_client(gemeente, other) -> tuple[Client, object]:
    supplier = SupplierFactory(partner_type="Energie")
    CovenantFactory(municipality=gemeente, supplier=supplier)
    CovenantFactory(municipality=other, supplier=supplier)
    _token, key = suppliers.create_api_token(supplier=supplier, name="koppeling")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    post(client, report(reference="B-0"))
    post(client, report(reference="B-C", municipality_code=other.code))
    return client, supplier


def without_index(result: dict, index: int) -> dict:
    errors = [error | {"pointer": error["pointer"].removeprefix(f"/{index}")} for error in result["errors"]]
    return {key: value for key, value in result.items() if key != "index"} | {"errors": errors}


@pytest.mark.django_db
def test_bulk_results_and_rows_equal_the_single_report_path(gemeente, monkeypatch):
    monkeypatch.setattr(store, "CHUNK_SIZE", 2)  # the list crosses several chunks
    other = MunicipalityFactory(code="0777")
    MunicipalityFactory(code="0888")
    bulk_client, bulk_supplier = supplier_client(gemeente, other)
    single_client, single_supplier = supplier_client(gemeente, other)
    reports = mixed_reports()

    response = post(bulk_client, reports)
    singles = [post(single_client, json.dumps(body)) for body in reports]

    body = response.json()
    assert (response.status_code, body["created"], body["updated"], body["rejected"]) == (200, 4, 1, 5)
    assert [result["index"] for result in body["results"]] == list(range(len(reports)))
    for index, (result, single) in enumerate(zip(body["results"], singles, strict=True)):
        if index == 3:  # the single path cannot see the earlier report of the same request
            assert [(error["pointer"], error["code"]) for error in result["errors"]] == [
                ("/3/reference", "duplicate")
            ]
            assert single.json()["outcome"] == "updated"
            continue
        assert without_index(result, index) == {
            key: value for key, value in single.json().items() if key != "index"
        }, index
    assert [single.status_code for single in singles] == [201, 201, 400, 200, 403, 201, 400, 200, 400, 201]

    def rows(supplier) -> dict:
        stored = ArrearsReport.objects.filter(supplier=supplier).exclude(reference="B-1")
        return {row["reference"]: row for row in stored.values(*STORED_FIELDS)}

    assert rows(bulk_supplier) == rows(single_supplier)
    # B-1 is stored once, with the first of its two reports.
    assert str(ArrearsReport.objects.get(supplier=bulk_supplier, reference="B-1").amount) == "450.00"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="several connections writing at once")
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_of_one_bulk_request_store_each_reference_once(monkeypatch):
    monkeypatch.setattr(store, "CHUNK_SIZE", 2)
    gemeente = MunicipalityFactory(code="0999")
    supplier = SupplierFactory(partner_type="Huur")
    CovenantFactory(municipality=gemeente, supplier=supplier)
    reports = [report(reference=f"C-{number}") for number in range(5)]
    barrier = threading.Barrier(6)
    outcomes = []

    def send() -> None:
        barrier.wait()
        try:
            outcomes.extend(services.receive_arrears_reports(supplier=supplier, reports=reports))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(outcomes) == 30
    for number in range(5):
        mine = sorted(o.outcome for o in outcomes if o.reference == f"C-{number}")
        assert mine == ["created"] + ["updated"] * 5
    assert ArrearsReport.objects.filter(supplier=supplier).count() == 5


@pytest.mark.django_db
def test_a_list_of_one_report_answers_like_a_list(api):
    response = post(api, [report()])

    assert response.status_code == 200
    assert response.json()["results"][0]["outcome"] == "created"
    assert Client().post(URL, "[]", content_type="application/json").status_code == 401
