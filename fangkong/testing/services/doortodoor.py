"""Door-to-door sampling for the people a round has not reached yet (漏采补采)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.permissions import require, require_area
from fangkong.testing.choices import RetestReason
from fangkong.testing.models import RetestTask, ScreeningRound


@transaction.atomic
def send_missing_to_door_to_door(rnd: ScreeningRound, *, area: Any, by: Actor) -> int:
    """One open door-to-door task per person of ``area`` not yet sampled in the round;
    people who have one already are not given another. Returns how many were created."""
    from fangkong.testing.selectors import missing_persons

    require(by, "testing.manage")
    require_area(by, area)
    rows = missing_persons(rnd, area=area, user=by).values_list("pk", "area_id")
    tasks = [
        RetestTask(person_id=pk, area_id=area_id, round=rnd, reason=RetestReason.NOT_SAMPLED,
                   created_by=by)
        for pk, area_id in rows.iterator(chunk_size=5000)
    ]  # fmt: skip
    before = RetestTask.objects.filter(round=rnd, reason=RetestReason.NOT_SAMPLED).count()
    RetestTask.objects.bulk_create(tasks, batch_size=2000, ignore_conflicts=True)
    made = RetestTask.objects.filter(round=rnd, reason=RetestReason.NOT_SAMPLED).count() - before
    audit.record(
        audit.Action.CREATE,
        by=by,
        object_type=RetestTask._meta.label_lower,
        object_repr=f"door-to-door for {rnd} in {area}",
        detail=f"{made} tasks",
    )
    return made
