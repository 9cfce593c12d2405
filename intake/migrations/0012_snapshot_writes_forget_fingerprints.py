from django.db import migrations

# The fingerprints of a debtor file describe its rows as imported (see intake.change_counts). Any
# later write of a municipality's snapshots through the snapshot table (the ORM: rows written one
# by one, retention, a deleted debtor's history) removes that municipality's fingerprints, so the
# next import compares fields instead. Statement triggers on the partitioned table fire only for
# statements that name it: an import's own writes name its leaf and default partitions directly.
FORGET = """
CREATE FUNCTION intake_forget_snapshot_fingerprints() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM intake_deliveryfingerprints
    WHERE municipality_id IN (SELECT DISTINCT municipality_id FROM written);
    RETURN NULL;
END $$;
CREATE FUNCTION intake_forget_all_snapshot_fingerprints() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM intake_deliveryfingerprints;
    RETURN NULL;
END $$;
CREATE TRIGGER intake_debtorsnapshot_inserted AFTER INSERT ON intake_debtorsnapshot
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION intake_forget_snapshot_fingerprints();
CREATE TRIGGER intake_debtorsnapshot_updated AFTER UPDATE ON intake_debtorsnapshot
    REFERENCING OLD TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION intake_forget_snapshot_fingerprints();
CREATE TRIGGER intake_debtorsnapshot_deleted AFTER DELETE ON intake_debtorsnapshot
    REFERENCING OLD TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION intake_forget_snapshot_fingerprints();
CREATE TRIGGER intake_debtorsnapshot_truncated AFTER TRUNCATE ON intake_debtorsnapshot
    FOR EACH STATEMENT EXECUTE FUNCTION intake_forget_all_snapshot_fingerprints();
-- Kept before the triggers existed, fingerprints may miss writes made since: the next import of
-- each municipality compares fields once.
DELETE FROM intake_deliveryfingerprints;
"""
REMEMBER = """
DROP TRIGGER IF EXISTS intake_debtorsnapshot_inserted ON intake_debtorsnapshot;
DROP TRIGGER IF EXISTS intake_debtorsnapshot_updated ON intake_debtorsnapshot;
DROP TRIGGER IF EXISTS intake_debtorsnapshot_deleted ON intake_debtorsnapshot;
DROP TRIGGER IF EXISTS intake_debtorsnapshot_truncated ON intake_debtorsnapshot;
DROP FUNCTION IF EXISTS intake_forget_snapshot_fingerprints();
DROP FUNCTION IF EXISTS intake_forget_all_snapshot_fingerprints();
"""


def forget_on_writes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORGET)


def remember(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REMEMBER)


class Migration(migrations.Migration):
    dependencies = [("intake", "0011_known_debtors_copy")]

    operations = [migrations.RunPython(forget_on_writes, remember)]
