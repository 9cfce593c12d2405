from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from intake import services
from intake.models import Delivery
from tenancy.models import AuditLogEntry, Role
from tests.intake.factories import DebtorSnapshotFactory, DeliveryFactory

pytestmark = pytest.mark.django_db
HEADER = "debtor_ref,bsn,last_name,birth_date,house_number,postcode,category,claim_amount"
GOOD = "D1,111222333,Jansen,1980-02-01,1,1234AB,payer,1000.00"
BAD = "D2,111222334,de Vries,1975-05-05,2,1234AB,payer,500"


def upload(client, text: str, **data):
    file = SimpleUploadedFile("debiteuren.csv", text.encode(), content_type="text/csv")
    return client.post(
        reverse("intake:delivery-list"), {"kind": "debtors", "period": "2026-06", "file": file, **data}
    )


def test_administrator_uploads_and_sees_the_import_queued(
    municipality, member, client_for, django_capture_on_commit_callbacks
):
    client = client_for(member(municipality, Role.ADMINISTRATOR))

    with django_capture_on_commit_callbacks() as callbacks:
        response = upload(client, f"{HEADER}\n{GOOD}\n")

    delivery = Delivery.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("intake:delivery-detail", kwargs={"delivery_id": delivery.pk})
    assert (delivery.municipality, delivery.period, delivery.status, len(callbacks)) == (
        municipality,
        date(2026, 6, 1),
        Delivery.Status.PENDING,
        1,
    )
    page = client.get(response.url).content.decode()
    assert 'hx-trigger="every 1s"' in page


def test_progress_endpoint_moves_and_ends_with_the_summary(municipality, member, client_for):
    client = client_for(member(municipality, Role.ADMINISTRATOR))
    upload(client, f"{HEADER}\n{GOOD}\n{BAD}\n")
    delivery = Delivery.objects.get()
    url = reverse("intake:delivery-progress", kwargs={"delivery_id": delivery.pk})
    Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.RUNNING, rows_total=2, rows_done=1)

    running = client.get(url).content.decode()
    services.import_delivery(delivery=delivery)
    finished = client.get(url).content.decode()

    assert 'value="1"' in running
    assert 'max="2"' in running
    assert "hx-get" in running
    assert "hx-get" not in finished
    assert "Ingelezen: 1 rijen; 1 rijen afgekeurd (zie het foutenrapport)." in finished
    assert reverse("intake:delivery-error-report", kwargs={"delivery_id": delivery.pk}) in finished


def test_error_report_download_is_audited(municipality, member, client_for):
    user = member(municipality, Role.ADMINISTRATOR)
    client = client_for(user)
    upload(client, f"{HEADER}\n{GOOD}\n{BAD}\n")
    delivery = Delivery.objects.get()
    services.import_delivery(delivery=delivery)

    response = client.get(reverse("intake:delivery-error-report", kwargs={"delivery_id": delivery.pk}))

    assert b"".join(response.streaming_content).decode("utf-8-sig") == (
        "Rij;Kolom;Waarde;Melding\r\n3;bsn;111222334;Ongeldig BSN: voldoet niet aan de elfproef.\r\n"
    )
    entry = AuditLogEntry.objects.get()
    assert (entry.user, entry.action, entry.object_id) == (user, "download", str(delivery.pk))


def test_a_delivery_without_errors_has_no_report(municipality, member, client_for):
    client = client_for(member(municipality, Role.ADMINISTRATOR))
    delivery = DeliveryFactory(municipality=municipality)

    response = client.get(reverse("intake:delivery-error-report", kwargs={"delivery_id": delivery.pk}))

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("role", "status"), [(Role.ADMINISTRATOR, 200), (Role.CONSULTANT, 403), (Role.MANAGER, 403)]
)
def test_only_administrators_handle_deliveries(municipality, member, client_for, role, status):
    delivery = DeliveryFactory(municipality=municipality)
    client = client_for(member(municipality, role))

    assert client.get(reverse("intake:delivery-list")).status_code == status
    assert (
        client.get(reverse("intake:delivery-detail", kwargs={"delivery_id": delivery.pk})).status_code
        == status
    )


def test_another_municipalitys_delivery_is_404(municipality, other_municipality, member, client_for):
    delivery = DeliveryFactory(municipality=other_municipality)
    client = client_for(member(municipality, Role.ADMINISTRATOR))

    assert (
        client.get(reverse("intake:delivery-detail", kwargs={"delivery_id": delivery.pk})).status_code == 404
    )


def test_delivery_list_queries_do_not_grow(municipality, member, client_for, django_assert_max_num_queries):
    client = client_for(member(municipality, Role.ADMINISTRATOR))
    DeliveryFactory.create_batch(5, municipality=municipality)

    with django_assert_max_num_queries(12):
        client.get(reverse("intake:delivery-list"))
    DeliveryFactory.create_batch(10, municipality=municipality)
    with django_assert_max_num_queries(12):
        client.get(reverse("intake:delivery-list"))


def test_debtor_page_shows_history_and_is_audited(municipality, member, client_for):
    user = member(municipality, Role.CONSULTANT)
    snapshot = DebtorSnapshotFactory(debtor__municipality=municipality, period=date(2026, 5, 1))
    DebtorSnapshotFactory(debtor=snapshot.debtor, period=date(2026, 6, 1), category="non_payer")
    client = client_for(user)

    page = client.get(
        reverse("intake:debtor-detail", kwargs={"debtor_id": snapshot.debtor_id})
    ).content.decode()

    assert page.index("2026-06") < page.index("2026-05")
    entry = AuditLogEntry.objects.get()
    assert (entry.user, entry.action, entry.object_type, entry.person_ref) == (
        user,
        "view",
        "intake.debtor",
        snapshot.debtor.debtor_ref,
    )
    assert "111222333" not in entry.person_ref


def test_debtor_search_finds_by_number_or_name(municipality, member, client_for):
    snapshot = DebtorSnapshotFactory(debtor__municipality=municipality, debtor__last_name="Visser")
    client = client_for(member(municipality, Role.CONSULTANT))

    by_name = client.get(reverse("intake:debtor-list"), {"q": "viss"}).content.decode()
    by_number = client.get(reverse("intake:debtor-list"), {"q": snapshot.debtor.debtor_ref}).content.decode()

    assert "Visser" in by_name
    assert "Visser" in by_number


def test_managers_do_not_see_debtors(municipality, member, client_for):
    snapshot = DebtorSnapshotFactory(debtor__municipality=municipality)
    client = client_for(member(municipality, Role.MANAGER))

    assert (
        client.get(reverse("intake:debtor-detail", kwargs={"debtor_id": snapshot.debtor_id})).status_code
        == 403
    )
