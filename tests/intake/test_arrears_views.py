import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from intake.arrears import services
from intake.models import ArrearsCase, ArrearsReport, ArrearsSettings, Result
from tenancy import tokens
from tenancy.models import ApiToken, AuditLogEntry, Covenant, Supplier, SupplierMembership
from tests.intake.arrears_factories import ArrearsCaseFactory, ArrearsReportFactory
from tests.tenancy.factories import CovenantFactory, MunicipalityFactory, SupplierFactory, UserFactory


@pytest.fixture
def gemeente():
    return MunicipalityFactory(code="0999")


@pytest.fixture
def supplier(gemeente):
    supplier = SupplierFactory(name="Woonstad", partner_type="Huur")
    CovenantFactory(municipality=gemeente, supplier=supplier)
    return supplier


@pytest.fixture
def supplier_admin(supplier, client_for):
    user = UserFactory()
    SupplierMembership.objects.create(user=user, supplier=supplier)
    return client_for(user)


@pytest.mark.django_db
def test_supplier_admin_creates_a_token_shown_once(supplier, supplier_admin):
    response = supplier_admin.post(f"/intake/suppliers/{supplier.pk}/tokens/", {"name": "Boekhouding"})

    key = response.context["new_key"]
    token = ApiToken.objects.get()
    assert (token.name, token.supplier_id, token.key_hash) == (
        "Boekhouding",
        supplier.pk,
        tokens.hash_key(key),
    )
    assert key.encode() in response.content
    assert key.encode() not in supplier_admin.get(f"/intake/suppliers/{supplier.pk}/tokens/").content


@pytest.mark.django_db
def test_supplier_admin_revokes_a_token(supplier, supplier_admin):
    supplier_admin.post(f"/intake/suppliers/{supplier.pk}/tokens/", {"name": "Oud"})
    token = ApiToken.objects.get()

    supplier_admin.post(f"/intake/suppliers/{supplier.pk}/tokens/{token.pk}/revoke/")

    token.refresh_from_db()
    assert token.revoked_at is not None


@pytest.mark.django_db
def test_admin_of_another_supplier_gets_404(supplier, client_for):
    other_admin = UserFactory()
    SupplierMembership.objects.create(user=other_admin, supplier=SupplierFactory())
    client = client_for(other_admin)

    assert client.get(f"/intake/suppliers/{supplier.pk}/tokens/").status_code == 404
    assert client.post(f"/intake/suppliers/{supplier.pk}/tokens/", {"name": "x"}).status_code == 404
    assert client.post(f"/intake/suppliers/{supplier.pk}/upload/").status_code == 404
    assert ApiToken.objects.count() == 0


@pytest.mark.django_db
def test_municipality_administrator_is_not_a_supplier_admin(supplier, gemeente, member, client_for):
    client = client_for(member(gemeente, "administrator"))

    assert client.get(f"/intake/suppliers/{supplier.pk}/tokens/").status_code == 404


@pytest.mark.django_db
def test_csv_upload_goes_through_the_same_intake(supplier, supplier_admin):
    today = timezone.localdate()
    content = (
        "Kenmerk;Gemeentecode;Bedrag;Ontstaansdatum;Signaaldatum;BSN;Achternaam\n"
        f"U-1;0999;612,50;{(today - dt.timedelta(days=50)):%d-%m-%Y};{today:%d-%m-%Y};123456782;Dijk\n"
        f"U-2;0999;abc;{today:%d-%m-%Y};{today:%d-%m-%Y};123456782;Dijk\n"
    ).encode()

    response = supplier_admin.post(
        f"/intake/suppliers/{supplier.pk}/upload/", {"file": SimpleUploadedFile("meldingen.csv", content)}
    )

    assert response.context["counts"] == {"created": 1, "updated": 0, "rejected": 1}
    assert b"/1/amount: Must be a decimal number" in response.content
    assert str(ArrearsReport.objects.get(reference="U-1").amount) == "612.50"


@pytest.mark.django_db
def test_csv_with_unknown_columns_is_refused(supplier, supplier_admin):
    response = supplier_admin.post(
        f"/intake/suppliers/{supplier.pk}/upload/",
        {"file": SimpleUploadedFile("x.csv", b"reference,kleur\nA,rood\n")},
    )

    assert response.context["form"].errors == {"file": ["Unknown columns: kleur."]}
    assert ArrearsReport.objects.count() == 0


@pytest.mark.django_db
def test_administrator_adds_a_covenant_with_a_new_supplier(gemeente, member, client_for):
    client = client_for(member(gemeente, "administrator"))

    response = client.post(
        "/intake/arrears/covenants/",
        {"supplier_name": "Waterbedrijf", "partner_type": "Water", "valid_from": "2026-01-01"},
    )

    assert response.status_code == 302
    covenant = Covenant.objects.get()
    assert (covenant.supplier.name, covenant.supplier.partner_type, covenant.municipality_id) == (
        "Waterbedrijf",
        "Water",
        gemeente.pk,
    )


@pytest.mark.django_db
def test_administrator_ends_a_covenant(supplier, gemeente, member, client_for):
    client = client_for(member(gemeente, "administrator"))
    covenant = Covenant.objects.get()

    client.post(f"/intake/arrears/covenants/{covenant.pk}/end/")

    covenant.refresh_from_db()
    assert covenant.valid_to is not None


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["consultant", "manager"])
def test_only_administrators_manage_covenants_and_settings(gemeente, member, client_for, role):
    client = client_for(member(gemeente, role))

    assert client.get("/intake/arrears/covenants/").status_code == 403
    assert client.post("/intake/arrears/settings/", {"minimum_amount": "5"}).status_code == 403
    assert Supplier.objects.count() == 0


@pytest.mark.django_db
def test_administrator_changes_the_rules(gemeente, member, client_for):
    client = client_for(member(gemeente, "administrator"))

    client.post(
        "/intake/arrears/settings/",
        {
            "minimum_amount": "50.00",
            "multiple_supplier_count": "3",
            "term_days": "21",
            "crisis_term_working_days": "2",
            "partner_rules": '{"Huur": {"min_age_days": 20, "max_age_days": 90}}',
        },
    )

    rules = ArrearsSettings.objects.get(municipality=gemeente).as_rules()
    assert (str(rules.minimum_amount), rules.multiple_supplier_count, rules.term_days) == ("50.00", 3, 21)
    assert (rules.partner_rules["Huur"].min_age_days, rules.partner_rules["Energie"].min_age_days) == (20, 30)


@pytest.mark.django_db
def test_case_list_shows_routing_facts(gemeente, member, client_for, django_assert_num_queries):
    ArrearsCaseFactory(
        municipality=gemeente, supplier_count=2, partner_types=["Energie", "Huur"], crisis=True
    )
    ArrearsCaseFactory(municipality=MunicipalityFactory(), last_name="Elders")
    client = client_for(member(gemeente, "consultant"))

    with django_assert_num_queries(9):  # session, user, memberships, municipality, count, page, ...
        response = client.get("/intake/arrears/cases/")

    assert response.status_code == 200
    assert [case.supplier_count for case in response.context["page"]] == [2]
    assert b"Energie, Huur" in response.content


@pytest.mark.django_db
def test_case_detail_is_audited_and_closes(gemeente, member, client_for):
    report = ArrearsReportFactory(municipality=gemeente, in_case=True)
    client = client_for(member(gemeente, "consultant"))

    assert client.get(f"/intake/arrears/cases/{report.case_id}/").status_code == 200
    client.post(f"/intake/arrears/cases/{report.case_id}/", {"result": Result.NO_HELP_WANTED})

    assert AuditLogEntry.objects.filter(object_type="intake.arrearscase").count() == 2
    assert ArrearsCase.objects.get().status == "closed"
    assert services.supplier_view(ArrearsReport.objects.get()).status == "closed"


@pytest.mark.django_db
def test_case_of_another_municipality_is_404(gemeente, member, client_for):
    case = ArrearsCaseFactory(municipality=MunicipalityFactory())
    client = client_for(member(gemeente, "consultant"))

    assert client.get(f"/intake/arrears/cases/{case.pk}/").status_code == 404
    assert client.post(f"/intake/arrears/cases/{case.pk}/", {"result": Result.ADVICE}).status_code == 404
    assert ArrearsCase.objects.get().status == "open"


@pytest.mark.django_db
def test_covenant_page_speaks_dutch(gemeente, member, client_for):
    response = client_for(member(gemeente, "administrator")).get("/intake/arrears/covenants/")

    assert "Leveranciers en convenanten" in response.content.decode()
