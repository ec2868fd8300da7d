"""Uploaded files are stored encrypted while the job waits, and deleted once it ends."""

from django.db import migrations

import fangkong.core.pii
from fangkong.core.migration_ops import encrypt_import_files


class Migration(migrations.Migration):
    dependencies = [("testing", "0004_retest_episode")]

    operations = [
        migrations.RunPython(
            encrypt_import_files("testing", "ResultImportJob", resumes=True), migrations.RunPython.noop
        ),
        migrations.AlterField(
            model_name="resultimportjob",
            name="content",
            field=fangkong.core.pii.EncryptedBinaryField(blank=True, verbose_name="file"),
        ),
    ]
