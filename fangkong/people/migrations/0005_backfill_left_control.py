"""Persons whose last control ended before ``left_control_at`` was kept: the retention
clock starts at the end of the day their last episode ended."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations
from django.db.models import Exists, Max, OuterRef


def backfill(apps, schema_editor):
    Person = apps.get_model("people", "Person")
    Episode = apps.get_model("control", "ControlEpisode")
    Stay = apps.get_model("sites", "Stay")
    tz = ZoneInfo(settings.TIME_ZONE)
    out = (
        Person.objects.filter(left_control_at__isnull=True)
        .filter(Exists(Episode.objects.filter(person=OuterRef("pk"))))
        .exclude(Exists(Episode.objects.filter(person=OuterRef("pk"), status="active")))
        .exclude(Exists(Stay.objects.filter(person=OuterRef("pk"), status="open")))
        .annotate(last_end=Max("control_episodes__end_date"))
        .values_list("pk", "last_end")
    )
    by_day: dict = {}
    for pk, last_end in out.iterator(chunk_size=2000):
        if last_end is not None:
            by_day.setdefault(last_end, []).append(pk)
    for day, pks in by_day.items():
        at = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=tz)
        for i in range(0, len(pks), 900):
            Person.objects.filter(pk__in=pks[i : i + 900]).update(left_control_at=at)


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0004_person_area_status"),
        ("control", "0001_initial"),
        ("sites", "0001_initial"),
    ]
    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
