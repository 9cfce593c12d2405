import pytest
from django.db import DatabaseError, connection, transaction

from tenancy.audit import record_access
from tenancy.models import AppendOnlyError, AuditLogEntry
from tests.tenancy.factories import MunicipalityFactory, UserFactory


@pytest.mark.django_db
def test_record_access_keeps_who_what_and_which_person():
    municipality, user = MunicipalityFactory(), UserFactory(username="consulent")

    entry = record_access(
        municipality=municipality,
        user=user,
        action=AuditLogEntry.Action.VIEW,
        object_type="intake.debtor",
        object_id=17,
        person_ref="D-17",
        work_item_id=4,
    )

    stored = AuditLogEntry.objects.get()
    assert (stored.actor, stored.action, stored.object_id, stored.person_ref, stored.work_item_id) == (
        "consulent",
        "view",
        "17",
        "D-17",
        4,
    )
    assert stored.pk == entry.pk


@pytest.mark.django_db
def test_audit_log_cannot_be_changed_or_deleted_through_the_application():
    entry = record_access(
        municipality=MunicipalityFactory(), actor="system", action="export", object_type="x"
    )

    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditLogEntry.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditLogEntry.objects.update(actor="someone else")
    assert AuditLogEntry.objects.get().actor == "system"


@pytest.mark.django_db
def test_database_refuses_to_change_the_audit_log_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    entry = record_access(municipality=MunicipalityFactory(), actor="system", action="view", object_type="x")

    for statement in ["UPDATE tenancy_auditlogentry SET actor = 'x'", "DELETE FROM tenancy_auditlogentry"]:
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)

    assert AuditLogEntry.objects.get(pk=entry.pk).actor == "system"
