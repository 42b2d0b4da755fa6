"""Free space on every summary page so the incremental fold's updates are HOT (heap-only: no new
index entries); PostgreSQL only."""

from django.db import migrations


def set_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE reports_summary SET (fillfactor = 80)")


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE reports_summary RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_summaries_and_refresh_runs")]

    operations = [migrations.RunPython(set_fillfactor, reset_fillfactor)]
