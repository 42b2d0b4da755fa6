"""The audit trail is append-only in the database too, not only in the ORM.

PostgreSQL: a row trigger refuses every UPDATE, and every DELETE except the retention purge's:
that one runs with `SET LOCAL jiceng.audit_retention = 'on'` in its own transaction, and even
then only rows older than 184 days may go. (TRUNCATE, which only the table owner may run,
fires no row trigger: the application's database role should not own the table in production.)

SQLite (the single-machine demo): a trigger refuses every UPDATE. DELETE is refused by the ORM
only, because Django's own `flush` (used by `manage.py flush` and the test suite) empties
tables with DELETE on SQLite. A later migration that rebuilds the table on SQLite drops the
trigger; it must re-create it.
"""

from django.db import migrations

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND current_setting('jiceng.audit_retention', true) = 'on'
       AND OLD.at < now() - interval '184 days' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION USING
        MESSAGE = 'audit_auditevent is append-only: ' || TG_OP || ' refused',
        ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""
PG_TRIGGER = """
CREATE TRIGGER audit_auditevent_append_only
BEFORE UPDATE OR DELETE ON audit_auditevent
FOR EACH ROW EXECUTE FUNCTION audit_auditevent_append_only();
"""
PG_DROP = [
    "DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent;",
    "DROP FUNCTION IF EXISTS audit_auditevent_append_only();",
]
SQLITE_TRIGGER = """
CREATE TRIGGER IF NOT EXISTS audit_auditevent_no_update
BEFORE UPDATE ON audit_auditevent
BEGIN
    SELECT RAISE(ABORT, 'audit_auditevent is append-only: UPDATE refused');
END;
"""
SQLITE_DROP = ["DROP TRIGGER IF EXISTS audit_auditevent_no_update;"]


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION)
        schema_editor.execute(PG_TRIGGER)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_TRIGGER)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in PG_DROP if vendor == "postgresql" else SQLITE_DROP if vendor == "sqlite" else []:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_event_time_default")]

    operations = [migrations.RunPython(create_triggers, drop_triggers, elidable=False)]
