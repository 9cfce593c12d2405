import datetime as dt

import pytest
import time_machine
from django.test import Client, override_settings
from django.utils import timezone

from intake.arrears import services
from intake.models import ArrearsCase, ArrearsReport, Result
from tenancy.services import issue_api_token, revoke_api_token
from tests.intake.arrears_factories import ArrearsReportFactory
from tests.tenancy.factories import CovenantFactory, MunicipalityFactory, SupplierFactory

URL = "/api/v1/arrears-reports"


def report(**fields) -> dict:
    today = timezone.localdate()
    return {
        "reference": "R-1",
        "municipality_code": "0999",
        "amount": "450.00",
        "arrears_since": (today - dt.timedelta(days=60)).isoformat(),
        "signal_date": today.isoformat(),
        "bsn": "123456782",
        "last_name": "Dijk",
    } | fields


def post(client: Client, body, url: str = URL):
    return client.post(url, body, content_type="application/json")


@pytest.mark.django_db
def test_single_report_is_created_then_updated_by_its_reference(api):
    first = post(api, report())
    second = post(api, report(amount="475.50"))

    assert (first.status_code, first.json()) == (
        201,
        {
            "index": 0,
            "reference": "R-1",
            "outcome": "created",
            "status": "received",
            "result": None,
            "errors": [],
        },
    )
    assert (second.status_code, second.json()["outcome"]) == (200, "updated")
    assert str(ArrearsReport.objects.get().amount) == "475.50"


@pytest.mark.django_db
def test_invalid_single_report_answers_400_with_pointers(api):
    response = post(api, report(amount="-1", signal_date="1-2-2026"))

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"pointer": "/amount", "message": "Must be between 0 and 99999999.99.", "code": "invalid"},
        {"pointer": "/signal_date", "message": "Must be a date as YYYY-MM-DD.", "code": "invalid"},
    ]
    assert ArrearsReport.objects.count() == 0


@pytest.mark.django_db
def test_a_nul_character_in_a_text_field_answers_400_naming_the_field(api):
    response = post(api, report(last_name="Di\u0000jk", city="A\u0000"))

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"pointer": "/last_name", "message": "Must not contain a NUL character.", "code": "invalid"},
        {"pointer": "/city", "message": "Must not contain a NUL character.", "code": "invalid"},
    ]
    assert ArrearsReport.objects.count() == 0


@pytest.mark.django_db
def test_a_reference_of_only_spaces_is_missing(api):
    response = post(api, report(reference="   "))

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"pointer": "/reference", "message": "This field is required.", "code": "invalid"}
    ]


@pytest.mark.django_db
def test_single_report_without_covenant_answers_403(api):
    MunicipalityFactory(code="0888")

    response = post(api, report(municipality_code="0888"))

    assert (response.status_code, response.json()["errors"][0]["code"]) == (403, "no_covenant")


@pytest.mark.django_db
def test_list_gets_a_result_per_report(api):
    response = post(
        api, [report(), report(reference="R-2", bsn="1"), report(reference="R-3", bsn="111222333")]
    )

    body = response.json()
    assert (response.status_code, body["created"], body["updated"], body["rejected"]) == (200, 2, 0, 1)
    assert body["results"][1]["errors"] == [
        {"pointer": "/1/bsn", "message": "Must be a valid BSN (9 digits, eleven test).", "code": "invalid"}
    ]
    assert ArrearsReport.objects.count() == 2


@pytest.mark.django_db
def test_more_than_10000_reports_answers_413(api):
    response = post(api, [{}] * 10_001)

    assert response.status_code == 413
    assert ArrearsReport.objects.count() == 0


@pytest.mark.django_db
@override_settings(ARREARS_API_MAX_REQUEST_BYTES=200)
def test_too_large_body_answers_413(api):
    response = post(api, [report(), report(reference="R-2")])

    assert response.status_code == 413
    assert ArrearsReport.objects.count() == 0


@pytest.mark.django_db
def test_not_json_answers_400(api):
    response = api.post(URL, "not json", content_type="application/json")

    assert response.status_code == 400


@pytest.mark.django_db
def test_without_token_answers_401():
    response = post(Client(), report())

    assert (response.status_code, response["WWW-Authenticate"]) == (401, 'Bearer realm="api"')


@pytest.mark.django_db
def test_revoked_token_answers_401(supplier, token_client):
    token, client = token_client(supplier)
    revoke_api_token(token=token)

    response = post(client, report())

    assert response.status_code == 401
    assert ArrearsReport.objects.count() == 0


@pytest.mark.django_db
def test_municipality_token_answers_403(gemeente):
    _token, key = issue_api_token(name="systeem", municipality=gemeente, scopes=["write_reports"])

    response = post(Client(HTTP_AUTHORIZATION=f"Bearer {key}"), report())

    assert response.status_code == 403


@pytest.mark.django_db
def test_token_without_write_scope_may_only_read(supplier):
    _token, key = issue_api_token(name="lezer", supplier=supplier, scopes=["read_feedback"])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")

    assert post(client, report()).status_code == 403
    assert client.get("/api/v1/feedback").status_code == 200


@pytest.mark.django_db
def test_rate_limit_answers_429_with_retry_after(supplier, token_client):
    _token, client = token_client(supplier, rate_limit_per_minute=2)

    with time_machine.travel(dt.datetime(2026, 6, 1, 12, 0, 45, tzinfo=dt.UTC), tick=False):
        statuses = [client.get(URL).status_code for _ in range(3)]
        response = client.get(URL)

    assert statuses == [200, 200, 429]
    assert (response.status_code, response["Retry-After"]) == (429, "15")


@pytest.mark.django_db
def test_rate_limit_opens_again_the_next_minute(supplier, token_client):
    _token, client = token_client(supplier, rate_limit_per_minute=1)

    with time_machine.travel(dt.datetime(2026, 6, 1, 12, 0, 59, tzinfo=dt.UTC), tick=False) as clock:
        assert [client.get(URL).status_code for _ in range(2)] == [200, 429]
        clock.shift(2)
        assert client.get(URL).status_code == 200


@pytest.mark.django_db
def test_token_records_last_use(supplier, token_client):
    token, client = token_client(supplier)

    client.get(URL)

    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.django_db
def test_list_shows_own_reports_only_with_filters(api, supplier, gemeente, django_assert_num_queries):
    ArrearsReportFactory(
        municipality=gemeente, supplier=supplier, reference="A", signal_date=dt.date(2026, 3, 1)
    )
    ArrearsReportFactory(
        municipality=gemeente, supplier=supplier, reference="B", signal_date=dt.date(2026, 4, 1)
    )
    ArrearsReportFactory(
        municipality=gemeente,
        supplier=supplier,
        reference="C",
        signal_date=dt.date(2026, 4, 2),
        status="withdrawn",
    )
    ArrearsReportFactory(municipality=gemeente, reference="OTHER")

    with django_assert_num_queries(4):  # token, last used, count, page
        response = api.get(URL, {"signal_date_from": "2026-03-15"})

    body = response.json()
    assert (body["count"], [r["reference"] for r in body["results"]]) == (2, ["C", "B"])
    assert [r["reference"] for r in api.get(URL, {"status": "withdrawn"}).json()["results"]] == ["C"]


@pytest.mark.django_db
def test_detail_of_another_suppliers_reference_is_404(api, gemeente):
    ArrearsReportFactory(municipality=gemeente, reference="THEIRS")

    assert api.get(f"{URL}/THEIRS").status_code == 404
    assert post(api, {"reason": "paid"}, url=f"{URL}/THEIRS/withdraw").status_code == 404
    assert ArrearsReport.objects.get().status == "received"


@pytest.mark.django_db
def test_detail_shows_supplier_visible_status(api, supplier, gemeente):
    ArrearsReportFactory(
        municipality=gemeente,
        supplier=supplier,
        reference="X-1",
        status="not_picked_up",
        result=Result.OTHER_REASON,
    )

    body = api.get(f"{URL}/X-1").json()

    assert (body["reference"], body["municipality_code"], body["status"], body["result"]) == (
        "X-1",
        "0999",
        "not_picked_up",
        None,
    )


@pytest.mark.django_db
def test_withdraw(api):
    post(api, report())

    response = post(api, {"reason": "arrangement"}, url=f"{URL}/R-1/withdraw")

    assert (response.status_code, response.json()["status"]) == (200, "withdrawn")
    assert ArrearsReport.objects.get().withdraw_reason == "arrangement"


@pytest.mark.django_db
def test_withdraw_needs_a_known_reason(api):
    post(api, report())

    response = post(api, {"reason": "bored"}, url=f"{URL}/R-1/withdraw")

    assert response.status_code == 400
    assert ArrearsReport.objects.get().status == "received"


@pytest.mark.django_db
def test_feedback_since_lists_status_changes_and_hides_the_other_reason(api):
    post(api, report())
    post(api, report(reference="R-2", bsn="111222333"))
    services.assess_pending_reports()
    before_pick_up = timezone.now()
    first_case = ArrearsReport.objects.get(reference="R-1").case
    services.pick_up_case(case=first_case, when=dt.datetime(2026, 1, 31, 9, tzinfo=dt.UTC))
    services.close_case(case=ArrearsReport.objects.get(reference="R-2").case, result=Result.OTHER_REASON)

    response = api.get("/api/v1/feedback", {"since": before_pick_up.isoformat()})

    assert response.status_code == 200
    assert [
        (
            item["reference"],
            item["status"],
            item["result"],
            item["picked_up_on"],
            item["collection_suspended_until"],
        )
        for item in response.json()["results"]
    ] == [
        ("R-1", "picked_up", None, "2026-01-31", "2026-02-28"),
        ("R-2", "not_picked_up", None, None, None),
    ]
    assert ArrearsCase.objects.filter(status="closed").count() == 1


@pytest.mark.django_db
def test_feedback_since_needs_a_time_zone(api):
    assert api.get("/api/v1/feedback", {"since": "2026-01-01T00:00:00"}).status_code == 400
    assert api.get("/api/v1/feedback", {"since": "gisteren"}).status_code == 400


@pytest.mark.django_db
def test_feedback_of_other_suppliers_is_not_shown(api, gemeente):
    other = SupplierFactory()
    CovenantFactory(municipality=gemeente, supplier=other)
    ArrearsReportFactory(municipality=gemeente, supplier=other, reference="THEIRS")

    assert api.get("/api/v1/feedback").json()["results"] == []


@pytest.mark.django_db
def test_feedback_since_with_an_extreme_offset_is_normalised(api):
    # Found by schemathesis: PostgreSQL refuses a -18:42 offset that Python accepts.
    response = api.get("/api/v1/feedback", {"since": "1911-10-05T09:05:24-18:42"})

    assert (response.status_code, response.json()["results"]) == (200, [])
