"""Reads on checkpoints: who is on shift, and the counts per hour and checkpoint of vehicles
and persons by outcome (one grouped query each)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.functions import ExtractHour
from django.utils import timezone

from fangkong.checkpoints.choices import Outcome
from fangkong.checkpoints.models import Checkpoint, PersonCheck, Shift, VehicleCheck
from fangkong.core.actors import Actor
from fangkong.core.workqueue import Work


def checkpoints_for(user: Actor) -> QuerySet[Checkpoint]:
    return Checkpoint.objects.visible_to(user).select_related("area")


def on_shift(cp: Checkpoint) -> QuerySet[Shift]:
    return Shift.objects.filter(checkpoint=cp, ends_at__isnull=True).select_related("user")


def open_shift(user: Actor) -> Shift | None:
    return (
        Shift.objects.filter(user=user, ends_at__isnull=True).select_related("checkpoint").first()
    )


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1)


@dataclass
class HourRow:
    hour: int
    vehicles: int = 0
    persons: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.persons.values())


@dataclass
class CheckpointCounts:
    checkpoint: Checkpoint
    vehicles: int = 0
    persons: dict[str, int] = field(default_factory=dict)
    hours: list[HourRow] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.persons.values())

    def cells(self) -> list[int]:
        return [self.persons.get(o, 0) for o in Outcome.values]


def counts(
    user: Actor, day: dt.date, checkpoint: Checkpoint | None = None
) -> list[CheckpointCounts]:
    """Per checkpoint of the user's areas, per local hour of ``day``: vehicles, and persons
    by outcome. Two grouped queries."""
    start, end = _day_bounds(day)
    tz = timezone.get_current_timezone()
    cps = checkpoints_for(user)
    if checkpoint is not None:
        cps = cps.filter(pk=checkpoint.pk)
    out = {cp.pk: CheckpointCounts(cp) for cp in cps}
    hours: dict[tuple[int, int], HourRow] = {}

    def row(cp_id: int, hour: int) -> HourRow:
        if (cp_id, hour) not in hours:
            hours[(cp_id, hour)] = HourRow(hour)
        return hours[(cp_id, hour)]

    vq = (
        VehicleCheck.objects.filter(
            checkpoint__in=list(out), checked_at__gte=start, checked_at__lt=end
        )
        .annotate(h=ExtractHour("checked_at", tzinfo=tz))
        .values("checkpoint_id", "h")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for r in vq:
        out[r["checkpoint_id"]].vehicles += r["n"]
        row(r["checkpoint_id"], r["h"]).vehicles += r["n"]
    pq = (
        PersonCheck.objects.filter(
            checkpoint__in=list(out), checked_at__gte=start, checked_at__lt=end
        )
        .annotate(h=ExtractHour("checked_at", tzinfo=tz))
        .values("checkpoint_id", "h", "outcome")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for r in pq:
        c = out[r["checkpoint_id"]]
        c.persons[r["outcome"]] = c.persons.get(r["outcome"], 0) + r["n"]
        hr = row(r["checkpoint_id"], r["h"])
        hr.persons[r["outcome"]] = hr.persons.get(r["outcome"], 0) + r["n"]
    by_cp: dict[int, list[HourRow]] = defaultdict(list)
    for (cp_id, _h), hr in sorted(hours.items()):
        by_cp[cp_id].append(hr)
    for cp_id, c in out.items():
        c.hours = by_cp.get(cp_id, [])
    return list(out.values())


def totals(user: Actor, day: dt.date) -> dict[str, Any]:
    """Vehicles and persons checked on ``day`` in the user's areas, persons by outcome."""
    start, end = _day_bounds(day)
    vehicles = (
        VehicleCheck.objects.visible_to(user)
        .filter(checked_at__gte=start, checked_at__lt=end)
        .count()
    )
    rows = (
        PersonCheck.objects.visible_to(user)
        .filter(checked_at__gte=start, checked_at__lt=end)
        .values("outcome")
        .annotate(n=Count("pk"))
        .order_by()
    )
    persons = {r["outcome"]: r["n"] for r in rows}
    return {"vehicles": vehicles, "persons": persons}


# --- work queue: the officer's checkpoint without anyone on shift ------------------------------
def unstaffed_work(user: Actor, now: dt.datetime) -> Work:
    """Open checkpoints of the user's areas with nobody on shift now."""
    from django.urls import reverse

    n = _unstaffed(user).count()
    return Work(n, None, reverse("checkpoints:checkpoint_list"))


def _unstaffed(user: Actor) -> QuerySet[Checkpoint]:
    staffed = Shift.objects.filter(ends_at__isnull=True).values("checkpoint_id")
    return Checkpoint.objects.visible_to(user).filter(active=True).exclude(pk__in=staffed)


def unstaffed_by_township(user: Actor, now: dt.datetime) -> dict[str, int]:
    from fangkong.core.workqueue import per_township

    return per_township(_unstaffed(user), "area__path")


def figures(user: Actor, day: dt.date) -> list[Any]:
    """The checkpoints' section: vehicles and persons checked on ``day``, persons by outcome."""
    from django.urls import reverse
    from django.utils.translation import gettext_lazy as _

    from fangkong.core.figures import Figure

    t = totals(user, day)
    url = reverse("checkpoints:counts") + f"?day={day.isoformat()}"
    out = [
        Figure("checkpoints.vehicles", _("Vehicles checked"), t["vehicles"], url=url),
        Figure("checkpoints.persons", _("Persons checked"), sum(t["persons"].values()), url=url),
    ]
    out += [
        Figure(f"checkpoints.{code}", label, t["persons"].get(code, 0), url=url)
        for code, label in Outcome.choices
    ]
    return out
