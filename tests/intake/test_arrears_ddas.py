import datetime as dt
import json
from io import StringIO
from pathlib import Path

import jsonschema
import pytest
from django.core.management import call_command

from intake.arrears import services
from intake.models import ArrearsCase, Result
from reporting import ddas
from tenancy.models import AuditLogEntry
from tests.tenancy.factories import CovenantFactory, MunicipalityFactory, SupplierFactory

EXAMPLES = Path(__file__).resolve().parents[2] / "standards" / "ddas-vroegsignalering-v0.9"
TODAY = dt.date(2026, 6, 1)


@pytest.mark.parametrize("name", ["enkelvoudigVoorbeeld.json", "meervoudigVoorbeeld.json"])
def test_the_national_examples_validate(name):
    ddas.validate_document(json.loads((EXAMPLES / name).read_text()))


def test_validation_catches_a_wrong_enum():
    document = json.loads((EXAMPLES / "enkelvoudigVoorbeeld.json").read_text())
    document["leveringen"][0]["vroegsignalen"][0]["signaalpartner"]["type"] = "Telefoon"

    with pytest.raises(jsonschema.ValidationError):
        ddas.validate_document(document)


@pytest.fixture
def filled_municipality():
    municipality = MunicipalityFactory(code="0999", name="Gemeente Proefdorp")
    huur = SupplierFactory(name="Woonstad", partner_type="Huur")
    energie = SupplierFactory(name="Stroom", partner_type="Energie")
    for supplier in (huur, energie):
        CovenantFactory(municipality=municipality, supplier=supplier)
    base = {
        "municipality_code": "0999",
        "amount": "450.49",
        "arrears_since": "2026-03-01",
        "signal_date": "2026-05-01",
        "bsn": "123456782",
        "last_name": "Dijk",
        "postcode": "1234AB",
        "house_number": "10",
    }
    services.receive_arrears_reports(supplier=huur, reports=[base | {"reference": "H-1"}], today=TODAY)
    services.receive_arrears_reports(
        supplier=energie,
        reports=[
            base | {"reference": "E-1", "crisis": True},
            base | {"reference": "E-2", "arrears_since": "2026-04-30"},
        ],
        today=TODAY,
    )
    services.assess_pending_reports()
    case = ArrearsCase.objects.get()
    services.record_contact_attempt(
        case=case, kind="Huisbezoek", is_reached=True, when=dt.datetime(2026, 5, 4, 8, 30, tzinfo=dt.UTC)
    )
    services.close_case(case=case, result=Result.ADVICE)
    return municipality


@pytest.mark.django_db
def test_export_of_a_multiple_case_validates_and_carries_the_case(filled_municipality):
    document = ddas.export_ddas(
        municipality=filled_municipality, start=dt.date(2026, 5, 1), end=dt.date(2026, 5, 31)
    )

    [delivery] = document["leveringen"]
    assert (delivery["gemeentecode"], delivery["aanleverende_organisatie"]) == (
        "0999",
        {"naam": "Gemeente Proefdorp"},
    )
    assert [
        (s["signaalpartner"]["type"], s["bedrag"], s.get("status")) for s in delivery["vroegsignalen"]
    ] == [
        ("Huur", 450, None),
        ("Energie", 450, None),
        ("Energie", 450, "Niet opgepakt: onterecht signaal"),
    ]
    [case] = delivery["vroegsignaalzaken"]
    assert len(case["vroegsignalen"]) == 2
    assert (case["resultaat"], case["datum_opgepakt"], case["contactpogingen"]) == (
        "(Budget)advies en/of quick fix",
        "2026-05-04",
        [{"soort": "Huisbezoek", "bereikt": True, "datum": "2026-05-04", "dagdeel": "Ochtend"}],
    )


@pytest.mark.django_db
def test_export_command_writes_valid_json(filled_municipality):
    out = StringIO()

    call_command(
        "export_ddas", "--municipality", "GM0999", "--from", "2026-05-01", "--to", "2026-05-31", stdout=out
    )

    document = json.loads(out.getvalue())
    ddas.validate_document(document)
    assert len(document["leveringen"][0]["vroegsignalen"]) == 3


@pytest.mark.django_db
def test_manager_downloads_the_export_and_it_is_audited(filled_municipality, member, client_for):
    client = client_for(member(filled_municipality, "manager"))

    response = client.get("/reports/ddas/", {"start": "2026-05-01", "end": "2026-05-31"})

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="ddas-0999-2026-05-01-2026-05-31.json"'
    ddas.validate_document(json.loads(response.content))
    entry = AuditLogEntry.objects.get()
    assert (entry.action, entry.object_type, entry.detail) == (
        "export",
        "reporting.ddas",
        {"start": "2026-05-01", "end": "2026-05-31", "reports": 3},
    )


@pytest.mark.django_db
def test_consultant_may_not_download_the_export(filled_municipality, member, client_for):
    client = client_for(member(filled_municipality, "consultant"))

    assert client.get("/reports/ddas/", {"start": "2026-05-01", "end": "2026-05-31"}).status_code == 403


@pytest.mark.django_db
def test_export_of_another_municipality_shows_nothing_of_this_one(filled_municipality, member, client_for):
    other = MunicipalityFactory()
    client = client_for(member(other, "manager"))

    document = json.loads(client.get("/reports/ddas/", {"start": "2026-05-01", "end": "2026-05-31"}).content)

    assert document["leveringen"][0]["vroegsignalen"] == []
