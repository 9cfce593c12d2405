import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from intake import services
from intake.models import Delivery
from tenancy.models import ApiToken
from tenancy.services import issue_api_token
from tests.intake.factories import DeliveryFactory
from tests.tenancy.factories import SupplierFactory

pytestmark = pytest.mark.django_db
CSV = b"bsn,period,source_id,source_name,income_kind,amount\n111222333,2026-06,A1,A,loon,100\n"


def api_client(**owner) -> Client:
    _token, key = issue_api_token(name="koppeling", scopes=[ApiToken.Scope.DELIVERIES], **owner)
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def post_file(client: Client, content: bytes = CSV, **data):
    file = SimpleUploadedFile("inkomen.csv", content, content_type="text/csv")
    return client.post(
        reverse("api:delivery-create"), {"kind": "income", "period": "2026-06", "file": file, **data}
    )


def test_municipality_system_uploads_and_polls(municipality, django_capture_on_commit_callbacks):
    client = api_client(municipality=municipality)

    with django_capture_on_commit_callbacks() as callbacks:
        response = post_file(client)

    delivery = Delivery.objects.get()
    assert response.status_code == 202
    assert (response.json()["id"], response.json()["status"], len(callbacks)) == (delivery.pk, "pending", 1)
    services.import_delivery(delivery=delivery)
    polled = client.get(response.json()["url"]).json()
    assert {key: polled[key] for key in ("status", "rows_done", "rows_rejected", "counts", "period")} == {
        "status": "accepted",
        "rows_done": 1,
        "rows_rejected": 0,
        "counts": {"imported": 1, "replaced": 0},
        "period": "2026-06",
    }


def test_the_same_file_again_answers_duplicate(municipality):
    client = api_client(municipality=municipality)
    post_file(client)

    response = post_file(client)

    assert (response.status_code, response.json()["status"]) == (200, "duplicate")


def test_bad_input_is_a_400(municipality):
    response = post_file(api_client(municipality=municipality), period="juni")

    assert response.status_code == 400
    assert list(response.json()) == ["period"]


def test_suppliers_and_tokens_without_the_scope_cannot_upload(municipality):
    supplier_client = api_client(supplier=SupplierFactory())
    _token, key = issue_api_token(name="lezer", scopes=[ApiToken.Scope.SIGNALS], municipality=municipality)

    assert post_file(supplier_client).status_code == 403
    assert post_file(Client(HTTP_AUTHORIZATION=f"Bearer {key}")).status_code == 403
    assert Delivery.objects.count() == 0


def test_another_municipalitys_delivery_is_404(municipality, other_municipality):
    delivery = DeliveryFactory(municipality=other_municipality, with_errors=True)
    client = api_client(municipality=municipality)

    assert client.get(reverse("api:delivery-detail", kwargs={"delivery_id": delivery.pk})).status_code == 404
    assert (
        client.get(reverse("api:delivery-error-report", kwargs={"delivery_id": delivery.pk})).status_code
        == 404
    )


def test_error_report_via_the_api(municipality):
    delivery = DeliveryFactory(municipality=municipality, with_errors=True)

    response = api_client(municipality=municipality).get(
        reverse("api:delivery-error-report", kwargs={"delivery_id": delivery.pk})
    )

    assert b"".join(response.streaming_content) == b"Rij;Kolom;Waarde;Melding\r\n3;BSN;1;Ongeldig\r\n"
