"""The purge may rewrite the texts of audit rows, and only those, while it holds a row of
``core_auditredaction`` in its own transaction; every other UPDATE and every DELETE is still
refused by the database."""

from django.db import migrations, models

UNCHANGED = ["id", "at", "action", "actor_id", "actor_name", "object_type", "object_id",
             "request_id"]  # fmt: skip

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION fangkong_audit_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND EXISTS (SELECT 1 FROM core_auditredaction) AND {same} THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;
""".format(same=" AND ".join(f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in UNCHANGED))
PG_FUNCTION_BEFORE = """
CREATE OR REPLACE FUNCTION fangkong_audit_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;
"""
SQLITE_UPDATE = (
    "CREATE TRIGGER core_auditlog_no_update BEFORE UPDATE ON core_auditlog "
    "WHEN NOT EXISTS (SELECT 1 FROM core_auditredaction) OR {changed} "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
).format(changed=" OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in UNCHANGED))
SQLITE_UPDATE_BEFORE = (
    "CREATE TRIGGER core_auditlog_no_update BEFORE UPDATE ON core_auditlog "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
)


def _install(function_sql: str, sqlite_trigger: str):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            schema_editor.execute(function_sql)
        elif vendor == "sqlite":
            schema_editor.execute("DROP TRIGGER IF EXISTS core_auditlog_no_update")
            schema_editor.execute(sqlite_trigger)

    return run


forward = _install(PG_FUNCTION, SQLITE_UPDATE)
backward = _install(PG_FUNCTION_BEFORE, SQLITE_UPDATE_BEFORE)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_append_only")]

    operations = [
        migrations.CreateModel(
            name="AuditRedaction",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),  # fmt: skip
                ("started_at", models.DateTimeField(auto_now_add=True)),
                ("reason", models.CharField(max_length=200)),
            ],
            options={
                "verbose_name": "audit redaction",
                "verbose_name_plural": "audit redactions",
            },
        ),
        migrations.RunPython(forward, backward),
    ]
