"""Demo cases and contacts: in the demo village, a community case four days ago with four
close contacts registered today (one of them, in home isolation already, is linked to that
control and found positive there today: an asymptomatic infection found under control), and
a community case in a second township six days ago. So the county sees two townships'
streaks, a chain of two cases and the tracing indicators; the township and the village
logins see their own.

Everything goes through the services, as the investigators would."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from fangkong.areas.models import Area
from fangkong.cases.models import Case
from fangkong.cases.services import ContactEntry, register_case, register_contacts
from fangkong.cases.services.cases import under_control_phases
from fangkong.control.choices import EpisodeStatus, PhaseStatus
from fangkong.control.models import ControlEpisode, ControlPhase
from fangkong.core.actors import Actor
from fangkong.core.demo import DEMO_TOWNSHIP_CODE, demo_village
from fangkong.core.models import User
from fangkong.people.choices import PersonStatus
from fangkong.people.models import Person


def _free(area: Area, n: int) -> list[Person]:
    """Active persons of the area under no control, in a stable order."""
    busy = ControlEpisode.objects.values("person_id")
    busy_cases = Case.objects.values("person_id")
    return list(
        Person.objects.filter(area__path__startswith=area.path, status=PersonStatus.ACTIVE)
        .exclude(pk__in=busy)
        .exclude(pk__in=busy_cases)
        .order_by("pk")[:n]
    )


def _case(person: Person, by: Actor, days_ago: int, place: str, kind: str = "confirmed") -> Case:
    reported = timezone.now() - dt.timedelta(days=days_ago)
    return register_case(person, kind=kind, sampled_at=reported - dt.timedelta(hours=8),
                         sampling_place=place, reported_at=reported, by=by)  # fmt: skip


@transaction.atomic
def load_demo_cases(stdout: Any = None, township: Area | None = None) -> dict[str, int]:
    """Register the demo's cases and contacts once (skipped when any case exists)."""
    if Case.objects.exists():
        if stdout is not None:
            stdout.write("demo: cases already present, skipped")
        return {"skipped": 1}
    county = User.objects.get(username="county")
    township = township or Area.objects.get(code=DEMO_TOWNSHIP_CODE)
    village = demo_village(township) or township
    people = _free(village, 5)
    if len(people) < 5:  # a county without people: nothing to show
        return {"cases": 0}
    # someone isolated (the control demo's) for two days or more: a contact of the first
    # case, linked to that control, found positive in it today
    isolated = (
        ControlPhase.objects.filter(
            episode__area__path__startswith=village.path, episode__status=EpisodeStatus.ACTIVE,
            status=PhaseStatus.ACTIVE, kind__in=under_control_phases(),
            start_date__lte=timezone.localdate() - dt.timedelta(days=2),
        )
        .select_related("episode__person")
        .order_by("pk")
        .first()
    )  # fmt: skip
    linked = isolated.episode.person if isolated else people[4]
    first = _case(people[0], county, 4, f"{village.name}核酸采样点")
    contacts = [ContactEntry(person=p) for p in [linked, *people[1:4]]]
    done = register_contacts(first, contacts, by=county)
    _case(linked, county, 0, "居家隔离上门采样", kind="asymptomatic")
    other = (
        Area.objects.filter(depth=township.depth, path__startswith=township.path[: Area.steplen])
        .exclude(pk=township.pk)
        .order_by("path")
        .first()
    )
    made = 2
    if other is not None and (far := _free(other, 1)):
        _case(far[0], county, 6, f"{other.name}卡口")
        made += 1
    counts = {"cases": made, "contacts": len(done)}
    if stdout is not None:
        stdout.write("demo: {cases} cases and {contacts} contacts".format(**counts))
    return counts
