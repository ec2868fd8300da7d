"""The test days of home phases turned into door-to-door sampling tasks of the mass-testing
follow-up (``testing.RetestTask``, reason "home test"): the samplers' retest list shows
them beside the pool-positive retests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from fangkong.core.scoping import subtree_q
from fangkong.home_isolation.models import HomeTest
from fangkong.home_isolation.phases import active_home_phases
from fangkong.testing.choices import RetestReason
from fangkong.testing.models import RetestTask, ScreeningRound


def open_round_for(area: Any, at: dt.datetime) -> ScreeningRound | None:
    """The latest screening round open at ``at`` whose areas contain ``area`` (a home
    test's tube is recorded within it), or None."""
    paths = area.ancestor_paths()
    return (
        ScreeningRound.objects.filter(starts_at__lte=at, ends_at__gte=at, areas__path__in=paths)
        .order_by("-starts_at")
        .first()
    )


def schedule_home_tests(day: dt.date, *, area: Any = None) -> int:
    """One door-to-door task per home phase in progress with a test on ``day`` (in
    ``area`` if given), none twice. Returns how many were created."""
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
    iso = day.isoformat()
    qs = active_home_phases().filter(start_date__lte=day, planned_end_date__gte=day)
    if area is not None:
        qs = qs.filter(subtree_q([area.path], "episode__area__path"))
    done = set(HomeTest.objects.filter(day=day).values_list("phase_id", flat=True))
    rows = [
        (pid, person_id, person_area)
        for pid, person_id, person_area, tests in qs.values_list(
            "pk", "episode__person_id", "episode__person__area_id", "test_days"
        ).iterator(chunk_size=5000)
        if pid not in done and iso in tests
    ]
    if not rows:
        return 0
    from fangkong.areas.models import Area

    areas = {a.pk: a for a in Area.objects.filter(pk__in={r[2] for r in rows})}
    rounds = {pk: open_round_for(a, at) for pk, a in areas.items()}
    with transaction.atomic():
        tasks = RetestTask.objects.bulk_create(
            [
                RetestTask(
                    person_id=person, area_id=a, reason=RetestReason.HOME_TEST, round=rounds[a]
                )
                for _pid, person, a in rows
            ]
        )
        HomeTest.objects.bulk_create(
            [
                HomeTest(phase_id=pid, day=day, task=t, area_id=a)
                for (pid, _person, a), t in zip(rows, tasks, strict=True)
            ],
            ignore_conflicts=True,
        )
    return len(rows)
