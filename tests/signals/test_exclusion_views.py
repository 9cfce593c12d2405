import datetime

import pytest
import time_machine
from django.urls import reverse

from signals.models import DebtorExclusion
from tenancy.models import AuditLogEntry

from .factories import DebtorExclusionFactory, DebtorFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 3, 10)


@pytest.fixture
def administrator(municipality, member):
    return member(municipality, "administrator")


@pytest.fixture
def exclusion(municipality):
    return DebtorExclusionFactory(debtor=DebtorFactory(municipality=municipality, debtor_ref="D-77"))


def edit_url(exclusion) -> str:
    return reverse("signals:exclusion-edit", kwargs={"exclusion_id": exclusion.pk})


def end_url(exclusion) -> str:
    return reverse("signals:exclusion-end", kwargs={"exclusion_id": exclusion.pk})


def test_adding_an_exclusion_is_audited(municipality, administrator, client_for):
    DebtorFactory(municipality=municipality, debtor_ref="D-78")

    client_for(administrator).post(
        reverse("signals:exclusion-list"),
        {
            "debtor_ref": "D-78",
            "reason": "Beschermingsbewind",
            "starts_on": "2026-01-01",
            "ends_on": "2026-06-30",
        },
    )

    entry = AuditLogEntry.objects.get(action="change")
    assert (entry.user, entry.person_ref, entry.object_id) == (
        administrator,
        "D-78",
        str(DebtorExclusion.objects.get().pk),
    )
    assert entry.detail == {
        "changes": {
            "reason": ["", "Beschermingsbewind"],
            "starts_on": ["", "2026-01-01"],
            "ends_on": ["", "2026-06-30"],
        }
    }


def test_administrator_changes_reason_and_end_date_with_audit(exclusion, administrator, client_for):
    response = client_for(administrator).post(
        edit_url(exclusion), {"reason": "Wsnp-traject", "starts_on": "2025-12-01", "ends_on": "2026-09-30"}
    )

    assert response.status_code == 302
    exclusion.refresh_from_db()
    assert (exclusion.reason, exclusion.starts_on, exclusion.ends_on) == (
        "Wsnp-traject",
        datetime.date(2025, 12, 1),
        datetime.date(2026, 9, 30),
    )
    entry = AuditLogEntry.objects.get()
    assert (entry.action, entry.user, entry.person_ref) == ("change", administrator, "D-77")
    assert entry.detail == {
        "changes": {"reason": ["Schuldhulptraject", "Wsnp-traject"], "ends_on": ["2026-06-30", "2026-09-30"]}
    }


def test_edit_form_shows_the_current_values(exclusion, administrator, client_for):
    response = client_for(administrator).get(edit_url(exclusion))

    assert response.status_code == 200
    assert response.context["form"].initial == {
        "reason": "Schuldhulptraject",
        "starts_on": datetime.date(2025, 12, 1),
        "ends_on": datetime.date(2026, 6, 30),
    }


def test_end_before_start_is_refused_in_dutch_and_nothing_changes(exclusion, administrator, client_for):
    response = client_for(administrator).post(
        edit_url(exclusion), {"reason": "x", "starts_on": "2026-02-01", "ends_on": "2026-01-31"}
    )

    assert response.status_code == 400
    assert "De einddatum ligt voor de begindatum." in response.content.decode()
    exclusion.refresh_from_db()
    assert (exclusion.reason, exclusion.ends_on) == ("Schuldhulptraject", datetime.date(2026, 6, 30))
    assert not AuditLogEntry.objects.exists()


@time_machine.travel(datetime.datetime(2026, 3, 10, 12, tzinfo=datetime.UTC), tick=False)
def test_ending_an_exclusion_sets_today_as_its_end_with_audit(exclusion, administrator, client_for):
    response = client_for(administrator).post(end_url(exclusion))

    assert response.status_code == 302
    exclusion.refresh_from_db()
    assert exclusion.ends_on == TODAY
    entry = AuditLogEntry.objects.get()
    assert entry.detail == {"changes": {"ends_on": ["2026-06-30", "2026-03-10"]}}


@time_machine.travel(datetime.datetime(2026, 7, 10, 12, tzinfo=datetime.UTC), tick=False)
def test_ending_an_ended_exclusion_changes_nothing(exclusion, administrator, client_for):
    response = client_for(administrator).post(end_url(exclusion), follow=True)

    exclusion.refresh_from_db()
    assert exclusion.ends_on == datetime.date(2026, 6, 30)
    assert not AuditLogEntry.objects.exists()
    assert "Deze uitsluiting was al beëindigd." in response.content.decode()


def test_exclusion_of_another_municipality_is_404(other_municipality, administrator, client_for):
    theirs = DebtorExclusionFactory(debtor__municipality=other_municipality)
    client = client_for(administrator)

    responses = [
        client.get(edit_url(theirs)),
        client.post(edit_url(theirs), {"reason": "x", "starts_on": "2026-01-01", "ends_on": "2026-01-02"}),
        client.post(end_url(theirs)),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404]
    theirs.refresh_from_db()
    assert (theirs.reason, theirs.ends_on) == ("Schuldhulptraject", datetime.date(2026, 6, 30))


@pytest.mark.parametrize("role", ["consultant", "manager"])
def test_only_administrators_change_or_end_exclusions(exclusion, municipality, member, client_for, role):
    client = client_for(member(municipality, role))

    responses = [client.get(edit_url(exclusion)), client.post(end_url(exclusion))]

    assert [r.status_code for r in responses] == [403, 403]
    exclusion.refresh_from_db()
    assert exclusion.ends_on == datetime.date(2026, 6, 30)


@time_machine.travel(datetime.datetime(2026, 3, 10, 12, tzinfo=datetime.UTC), tick=False)
def test_list_offers_to_end_only_exclusions_that_have_not_ended(municipality, administrator, client_for):
    running = DebtorExclusionFactory(debtor__municipality=municipality, ends_on=datetime.date(2026, 6, 30))
    ended = DebtorExclusionFactory(debtor__municipality=municipality, ends_on=datetime.date(2026, 3, 1))

    page = client_for(administrator).get(reverse("signals:exclusion-list")).content.decode()

    assert end_url(running) in page
    assert end_url(ended) not in page
    assert edit_url(running) in page
    assert edit_url(ended) in page
    assert page.count("(beëindigd)") == 1
