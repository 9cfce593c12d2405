"""On PostgreSQL the database itself refuses to change or delete audit log rows (domain.md section 2)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION tenancy_auditlog_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The audit log is append-only (% refused).', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER tenancy_auditlogentry_append_only
    BEFORE UPDATE OR DELETE ON tenancy_auditlogentry
    FOR EACH ROW EXECUTE FUNCTION tenancy_auditlog_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS tenancy_auditlogentry_append_only ON tenancy_auditlogentry;
DROP FUNCTION IF EXISTS tenancy_auditlog_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("tenancy", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
