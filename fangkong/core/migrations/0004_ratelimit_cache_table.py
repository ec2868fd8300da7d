"""The table of the shared "ratelimit" cache (Django's database cache): per-user counts of
reveals and searches, seen alike by every web process (fangkong/core/ratelimit.py)."""

from django.core.management import call_command
from django.db import migrations

TABLE = "fangkong_ratelimit_cache"


def create(apps, schema_editor):
    call_command("createcachetable", TABLE, database=schema_editor.connection.alias, verbosity=0)


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("core", "0003_audit_redaction")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
