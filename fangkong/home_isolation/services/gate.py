"""The eligibility gate of a home isolation that starts by itself (a release from a site
into the home phase of its rule): the release goes ahead, but a household without a
current verdict is put on its village's list of homes to check, and one whose home failed
stays on the centralized placement queue. Nothing is taken as eligible unchecked.

A verdict is current when it is the household's latest assessment, made under the rule set
in force for its area today, and either eligible or still awaiting placement (a placement
taken or cancelled means the home must be looked at again)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.areas.models import Area
from fangkong.areas.selectors import villages_and_cadres
from fangkong.control.models import ControlPhase
from fangkong.core.actors import Actor
from fangkong.core.db import statements
from fangkong.core.logbatch import LogBatch
from fangkong.core.notifications import notify, recipients
from fangkong.core.timeline import build_event
from fangkong.home_isolation.choices import Origin, Outcome, PlacementState
from fangkong.home_isolation.models import EligibilityAssessment, PendingCheck
from fangkong.home_isolation.services._common import user_or_none
from fangkong.policy.choices import PhaseKind
from fangkong.policy.home import home_policy

ELIGIBLE, PENDING, PLACEMENT = "eligible", "pending", "placement"


@dataclass(frozen=True)
class HomeCheck:
    """What the gate found for one person's home: ``state`` is eligible, pending (on the
    village's list to check) or placement (failed: on the centralized placement queue)."""

    state: str
    village: str
    checked_on: dt.date | None = None
    home: Area | None = field(default=None, compare=False)  # where the check is put
    # the home area looked at, its village (None above village level) and the village's
    # cadre, as ``villages_and_cadres`` gave them: whom a release hands the person to
    handover: tuple[Area, Area | None, str] | None = field(default=None, compare=False)

    @property
    def needs_action(self) -> bool:
        """The home is still to be checked, or failed: the release page warns."""
        return self.state != ELIGIBLE

    def __str__(self) -> str:
        if self.state == ELIGIBLE and self.checked_on is None:
            return _("home isolation: the rule set in force sets no home conditions")
        if self.state == ELIGIBLE:
            return _("home eligible for isolation (checked on %(date)s)") % {
                "date": self.checked_on.isoformat() if self.checked_on else ""
            }
        if self.state == PLACEMENT:
            return _(
                "home not eligible for isolation: the household is on the centralized "
                "placement queue, the person goes to centralized isolation, not home"
            )
        return _("home isolation pending an eligibility check by %(village)s") % {
            "village": self.village or "—"
        }


def _key(household_id: int | None, person_id: int) -> tuple[str, int]:
    return ("h", household_id) if household_id else ("p", person_id)


def _of(keys: Iterable[tuple[str, int]]) -> Q:
    """Rows of these households, or of these persons living in none."""
    homes = [k for kind, k in keys if kind == "h"]
    alone = [k for kind, k in keys if kind == "p"]
    return Q(household_id__in=homes) | Q(person_id__in=alone, household__isnull=True)


def _by_home(
    keys: set[tuple[str, int]], name: str, of_households: Any, of_lone_persons: Any
) -> list[Any]:
    """The rows of these households and of these persons living in none: ``_of`` as two
    statements compiled once each (``core.db``; the gate runs for every release)."""
    homes = sorted(k for kind, k in keys if kind == "h")
    alone = sorted(k for kind, k in keys if kind == "p")
    found: list[Any] = []
    if homes:
        found += statements.fetch(f"home_isolation.gate.{name}", of_households, homes)
    if alone:
        found += statements.fetch(f"home_isolation.gate.{name}.alone", of_lone_persons, alone)
    return found


_FIELDS = ("person", "household", "outcome", "placement_state", "rule_set_code", "created_at")


def _of_households(ids: list[int]) -> Any:
    return (
        EligibilityAssessment.objects.filter(household_id__in=ids)
        .only(*_FIELDS)
        .order_by("-created_at", "-pk")
    )


def _of_lone_persons(ids: list[int]) -> Any:
    return (
        EligibilityAssessment.objects.filter(person_id__in=ids, household__isnull=True)
        .only(*_FIELDS)
        .order_by("-created_at", "-pk")
    )


def _latest(keys: set[tuple[str, int]]) -> dict[tuple[str, int], EligibilityAssessment]:
    """The latest assessment of each household (or lone person): a query for the
    households and one for the persons living in none, each compiled once (``core.db``:
    a release runs this for every person it hands over)."""
    out: dict[tuple[str, int], EligibilityAssessment] = {}
    for a in _by_home(keys, "assessments", _of_households, _of_lone_persons):  # newest first
        out.setdefault(_key(a.household_id, a.person_id), a)
    return out


def _verdict(a: EligibilityAssessment | None, code: str) -> str:
    if a is None or a.rule_set_code != code:
        return PENDING
    if a.outcome == Outcome.ELIGIBLE:
        return ELIGIBLE
    return PLACEMENT if a.placement_state == PlacementState.AWAITING else PENDING


def _households(ids: list[int]) -> Any:
    from fangkong.people.models import Household

    return Household.objects.filter(pk__in=ids).select_related("area")


def _homes(persons: list[Any], areas: dict[int, Area]) -> dict[int, Area]:
    """Each person's home area: their household's, else their own (as a release hands
    them over); ``areas`` holds the persons' own areas by id. One query, none without
    households."""
    ids = {p.household_id for p in persons if p.household_id}
    hh = {}
    if ids:
        found = statements.fetch("home_isolation.gate.homes", _households, sorted(ids))
        hh = {h.pk: h.area for h in found}
    return {p.pk: hh.get(p.household_id) or areas[p.area_id] for p in persons}


def _policies(on: dt.date, homes: Iterable[Area]) -> dict[str, tuple[str, dict[str, Any]]]:
    """The home block in force per county path: rule sets are national or a county's, so
    one look-up per county (not per village) whatever the batch."""
    step = Area.steplen
    return {c: home_policy(on, Area(path=c)) for c in {a.path[:step] for a in homes}}


def check_homes(
    persons: Iterable[Any], on: dt.date, areas: dict[int, Area]
) -> dict[int, HomeCheck]:
    """What the gate would find for each person's home on ``on`` (nothing written): for a
    page saying what a release will lead to. ``areas``: the persons' own areas by id.
    Person ids → HomeCheck; three or four queries whatever the number."""
    persons = list(persons)
    if not persons:
        return {}
    homes = _homes(persons, areas)
    latest = _latest({_key(p.household_id, p.pk) for p in persons})
    villages = villages_and_cadres(set(homes.values()), on=on)
    policies = _policies(on, homes.values())
    out = {}
    for p in persons:
        area = homes[p.pk]
        a = latest.get(_key(p.household_id, p.pk))
        handover = (area, *villages[area.pk])
        village = handover[1] or area
        code, block = policies[area.path[: Area.steplen]]
        if not block:  # no conditions to meet: nothing to check
            out[p.pk] = HomeCheck(ELIGIBLE, village.name, handover=handover)
            continue
        state = _verdict(a, code)
        checked = timezone.localdate(a.created_at) if a is not None else None
        out[p.pk] = HomeCheck(state, village.name, checked, area, handover)
    return out


def gate_started(phases: list[ControlPhase], by: Actor | None, logs: LogBatch) -> None:
    """The control hook (``on_phase_start``): for each home isolation just started after
    another phase, the household's verdict checked; an open check put on the village's
    list where there is no current one (once per household), on the person's timeline, the
    village's cadres told. Sets ``phase.home_check`` (a HomeCheck) for the caller's page."""
    todo = [p for p in phases if p.kind == PhaseKind.HOME_ISOLATION]
    if not todo:
        return
    today = timezone.localdate()
    # the episode's area is the person's own (completion reads both with the phases)
    persons = {p.pk: p.episode.person for p in todo}
    areas = {p.episode.person.area_id: p.episode.area for p in todo}
    found = check_homes(persons.values(), today, areas)
    pending = [p for p in todo if found[persons[p.pk].pk].state == PENDING]
    if pending:
        _queue(pending, persons, found, by)
    gate_events = {}
    for p in todo:
        person = persons[p.pk]
        check = found[person.pk]
        p.home_check = check  # type: ignore[attr-defined]
        gate_events[p.pk] = build_event(person, "home_gate", str(check), by=by,
                                        area_id=person.area_id,
                                        data={"phase": p.pk, "state": check.state})  # fmt: skip
    # each right after its phase's start, as completing the phases one by one writes them
    events = []
    for e in logs.events:
        events.append(e)
        if e.kind == "control_phase_started" and e.data.get("phase") in gate_events:
            events.append(gate_events.pop(e.data["phase"]))
    logs.events = events + list(gate_events.values())


def _open_of_households(ids: list[int]) -> Any:
    return PendingCheck.objects.filter(household_id__in=ids, done_at__isnull=True).only(
        "household", "person"
    )


def _open_of_lone_persons(ids: list[int]) -> Any:
    return PendingCheck.objects.filter(
        person_id__in=ids, household__isnull=True, done_at__isnull=True
    ).only("household", "person")


def _open_checks(keys: set[tuple[str, int]]) -> list[PendingCheck]:
    """The open checks of these households (or lone persons)."""
    return _by_home(keys, "open_checks", _open_of_households, _open_of_lone_persons)


def _queue(
    phases: list[ControlPhase], persons: dict[int, Any], found: dict[int, HomeCheck],
    by: Actor | None,
) -> None:  # fmt: skip
    """Open checks for these home phases' households, none where one is open already."""
    keys = {_key(persons[p.pk].household_id, persons[p.pk].pk): p for p in phases}
    for check in _open_checks(set(keys)):
        keys.pop(_key(check.household_id, check.person_id), None)
    if not keys:
        return
    rows = []
    for p in keys.values():
        person = persons[p.pk]
        home = found[person.pk].home
        rows.append(PendingCheck(person=person, household_id=person.household_id, area=home,
                                 origin=Origin.RELEASE, phase=p, created_by=user_or_none(by)))  # fmt: skip
    if len(rows) == 1:  # one release: a cached INSERT, not bulk_create's compile
        statements.insert(rows[0])
    else:
        PendingCheck.objects.bulk_create(rows)
    # told in the same transaction, as services notify (core.notifications): a notice
    # written after the commit cost a transaction of its own per release
    _tell_villages({r.area.pk: r.area for r in rows}.values())


def _tell_villages(areas: Iterable[Area]) -> None:
    for area in areas:
        notify(
            recipients("home.assess", area),
            kind="home.check",
            title=_("A household started home isolation unchecked: check its home (%(area)s)")
            % {"area": area.name},
            url=reverse("home_isolation:checks"),
            area=area,
        )


def close_checks(a: EligibilityAssessment) -> int:
    """The household's open checks done by assessment ``a`` (in the caller's transaction);
    returns how many."""
    qs = PendingCheck.objects.filter(_of([_key(a.household_id, a.person_id)]), done_at__isnull=True)
    return qs.update(done_at=timezone.now(), assessment=a, updated_at=timezone.now())
