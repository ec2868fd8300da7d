"""Uploaded files are stored encrypted while the job waits, and deleted once it ends."""

from django.db import migrations

import fangkong.core.pii
from fangkong.core.migration_ops import encrypt_import_files


class Migration(migrations.Migration):
    dependencies = [("people", "0005_backfill_left_control")]

    operations = [
        migrations.RunPython(
            encrypt_import_files("people", "ImportJob", resumes=False), migrations.RunPython.noop
        ),
        migrations.AlterField(
            model_name="importjob",
            name="content",
            field=fangkong.core.pii.EncryptedBinaryField(blank=True, verbose_name="file"),
        ),
    ]
