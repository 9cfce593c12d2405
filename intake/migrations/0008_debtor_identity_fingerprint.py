from django.db import migrations, models

# The import keeps Debtor.identity_fingerprint with the identity it writes. Anything else that
# changes an identity (a correction in the admin, retention, a script) leaves the fingerprint of
# the old identity behind: this trigger empties it then, so the next import compares that debtor
# field by field instead of trusting a stale fingerprint. PostgreSQL only: SQLite imports compare
# every identity in SQL.
IDENTITY = ("bsn", "initials", "prefix", "last_name", "birth_date")
CHANGED = " OR ".join(f"NEW.{name} IS DISTINCT FROM OLD.{name}" for name in IDENTITY)
CREATE = f"""
CREATE FUNCTION intake_debtor_identity_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.identity_fingerprint IS NOT DISTINCT FROM OLD.identity_fingerprint THEN
        NEW.identity_fingerprint := NULL;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER intake_debtor_identity_changed BEFORE UPDATE ON intake_debtor
    FOR EACH ROW WHEN ({CHANGED}) EXECUTE FUNCTION intake_debtor_identity_changed();
"""
DROP = """
DROP TRIGGER intake_debtor_identity_changed ON intake_debtor;
DROP FUNCTION intake_debtor_identity_changed();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("intake", "0007_partition_debtor_snapshots")]

    operations = [
        migrations.AddField(
            model_name="debtor",
            name="identity_fingerprint",
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(create_trigger, drop_trigger),
    ]
