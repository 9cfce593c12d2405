import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from tenancy.audit import record_access
from tenancy.models import AuditLogEntry, Role
from tests.tenancy.factories import MunicipalityFactory


@pytest.fixture
def administrator(member):
    return member(MunicipalityFactory(), Role.ADMINISTRATOR)


def entry(
    municipality, *, actor, action="view", person_ref="D-1", when=dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)
):
    with time_machine.travel(when, tick=False):
        return record_access(
            municipality=municipality,
            actor=actor,
            action=action,
            object_type="intake.debtor",
            person_ref=person_ref,
        )


@pytest.mark.django_db
def test_administrator_filters_the_trail_by_person_actor_action_and_date(administrator, client_for):
    municipality = administrator.memberships.get().municipality
    wanted = entry(municipality, actor="consulent.a", person_ref="D-7")
    entry(municipality, actor="consulent.b", person_ref="D-7")
    entry(municipality, actor="consulent.a", person_ref="D-8")
    entry(municipality, actor="consulent.a", person_ref="D-7", action="export")
    entry(
        municipality, actor="consulent.a", person_ref="D-7", when=dt.datetime(2026, 4, 1, 10, tzinfo=dt.UTC)
    )

    response = client_for(administrator).get(
        reverse("tenancy:audit-trail"),
        {
            "person": "D-7",
            "actor": "consulent.a",
            "action": "view",
            "date_from": "2026-03-01",
            "date_to": "2026-03-31",
        },
    )

    assert [e.pk for e in response.context["page"]] == [wanted.pk]


@pytest.mark.django_db
def test_csv_export_of_the_trail_is_itself_audit_logged(administrator, client_for):
    municipality = administrator.memberships.get().municipality
    entry(municipality, actor="consulent.a", person_ref="D-7")

    response = client_for(administrator).get(
        reverse("tenancy:audit-trail"), {"person": "D-7", "format": "csv"}
    )

    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0] == "when,who,action,object_type,object_id,person_ref,work_item,ip_address"
    # newest first: the export itself is on the trail before the export is written out
    assert [line.split(",")[1:6] for line in lines[1:]] == [
        [administrator.username, "export", "tenancy.auditlogentry", "", "D-7"],
        ["consulent.a", "view", "intake.debtor", "", "D-7"],
    ]
    export = AuditLogEntry.objects.get(action="export")
    assert (export.actor, export.person_ref, export.object_type) == (
        administrator.username,
        "D-7",
        "tenancy.auditlogentry",
    )
