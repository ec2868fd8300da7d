"""Rate-limit counts in a table of their own, counted by one upsert on PostgreSQL; the
database cache that held them before (0004) is dropped."""

from importlib import import_module

from django.db import migrations, models

cache_table = import_module("fangkong.core.migrations.0004_ratelimit_cache_table")


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0009_export_job'),
    ]

    operations = [
        migrations.CreateModel(
            name='RateCount',
            fields=[
                ('key', models.CharField(max_length=200, primary_key=True, serialize=False, verbose_name='key')),
                ('count', models.IntegerField(default=0, verbose_name='count')),
                ('expires_at', models.DateTimeField(db_index=True, verbose_name='expires at')),
            ],
            options={
                'verbose_name': 'rate-limit count',
                'verbose_name_plural': 'rate-limit counts',
            },
        ),
        migrations.RunPython(cache_table.drop, cache_table.create, elidable=False),
    ]
