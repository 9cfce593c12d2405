from django.db import migrations


def default_fillfactor(apps, schema_editor):
    # 0003 left room on each page for the monthly rewrite of last_period; that column is gone and
    # a debtor row now changes only with its identity or end, so the room only costs space.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE intake_debtor RESET (fillfactor)")


def reserve_room(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE intake_debtor SET (fillfactor = 70)")


class Migration(migrations.Migration):
    dependencies = [("intake", "0005_partition_income")]

    operations = [migrations.RunPython(default_fillfactor, reserve_room)]
