"""Reads of the testing pipeline: scoped lists, coverage of a round, stage turnaround,
overdue tubes, a person's own results."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Min, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.areas.models import Area
from fangkong.core.actors import Actor
from fangkong.core.scoping import fold, get_visible_or_404, mark_visible, subtree_q
from fangkong.core.workqueue import Work, per_township
from fangkong.people.choices import PersonStatus
from fangkong.people.models import Person
from fangkong.testing.choices import (
    CandidateState,
    Outcome,
    RetestState,
    Stage,
    TubeKind,
    TubeState,
)
from fangkong.testing.models import (
    Box,
    CaseCandidate,
    Lab,
    Notification,
    Result,
    ResultImportJob,
    RetestTask,
    ScreeningRound,
    TestingPoint,
    Tube,
    TubeMember,
)

DEFAULT_TARGET_HOURS = {TubeKind.SINGLE: 6, TubeKind.POOLED: 24}


def target_hours() -> dict[str, float]:
    """Turnaround targets by tube kind (FANGKONG_TESTING_TARGET_HOURS overrides)."""
    return {**DEFAULT_TARGET_HOURS, **getattr(settings, "FANGKONG_TESTING_TARGET_HOURS", {})}


# --- scoped lists ----------------------------------------------------------------------------
def points_for(user: Actor) -> QuerySet[TestingPoint]:
    return TestingPoint.objects.visible_to(user).select_related("area")


def rounds_for(user: Actor) -> QuerySet[ScreeningRound]:
    return ScreeningRound.objects.visible_to(user).prefetch_related("areas")


def tubes_for(user: Actor) -> QuerySet[Tube]:
    return Tube.objects.visible_to(user).select_related("round", "point", "box", "lab")


def members_for(user: Actor) -> QuerySet[TubeMember]:
    return TubeMember.objects.visible_to(user).select_related("person", "tube")


def boxes_for(user: Actor) -> QuerySet[Box]:
    return Box.objects.visible_to(user).select_related("point", "lab")


def openable_boxes_for(user: Actor) -> QuerySet[Box]:
    """The boxes a user may open by barcode: those of their areas' points; a lab
    technician's, every box (labs receive from every area; a box holds barcodes, no one's
    data)."""
    if getattr(user, "is_authenticated", False) and user.can("testing.lab"):
        return mark_visible(Box.objects.select_related("point", "lab"), user)
    return boxes_for(user)


def results_for(user: Actor) -> QuerySet[Result]:
    return Result.objects.visible_to(user).select_related("tube", "lab")


def labs_to_hand_to(user: Actor) -> QuerySet[Lab]:
    """The labs a box may be handed to: every lab serving the county of one of the user's
    areas (a lab receives from every area of its county), whoever its technicians are. A
    look-up, not a membership rule: that one is ``services.lab.lab_for``."""
    paths = {p[: Area.steplen] for p in getattr(user, "area_paths", None) or ()}
    if not getattr(user, "is_authenticated", False) or not paths:
        return Lab.objects.none()
    return Lab.objects.filter(subtree_q(paths, "area__path"))


def retests_for(user: Actor) -> QuerySet[RetestTask]:
    return RetestTask.objects.visible_to(user).select_related("person", "area", "source_tube")


def candidates_for(user: Actor) -> QuerySet[CaseCandidate]:
    return CaseCandidate.objects.visible_to(user).select_related("person", "household", "tube")


def notifications_for(user: Actor) -> QuerySet[Notification]:
    return Notification.objects.visible_to(user).select_related("tube")


def sampling_points_for(user: Actor) -> QuerySet[TestingPoint]:
    """The open points where the user takes swabs: the ones they are a sampler of; county
    command samples anywhere in their areas."""
    points = points_for(user).filter(active=True)
    if not user.can("testing.sample.any_point"):
        points = points.filter(samplers=user)
    return points


# --- follow-up of positive tubes -------------------------------------------------------------
WALK_ORDER = ("area__path", "person__household__address", "person__household__floor",
              "person__name", "pk")  # fmt: skip


def open_retests(user: Actor) -> QuerySet[RetestTask]:
    """Open door-to-door tasks in the user's areas, in the order a team walks them: village,
    group or building, then household (address, floor), then name."""
    return (
        retests_for(user)
        .filter(state=RetestState.OPEN)
        .select_related("person__household", "round")
        .order_by(*WALK_ORDER)
    )


RECENT_DECISIONS = 50


def candidate_board(user: Actor) -> tuple[QuerySet[CaseCandidate], QuerySet[CaseCandidate]]:
    """Case candidates in the user's areas: the open ones, oldest first (the longest
    waiting), and the most recent decisions."""
    qs = candidates_for(user).select_related("area", "tube__result", "decided_by")
    open_ = qs.filter(state=CandidateState.OPEN).order_by("created_at", "pk")
    decided = qs.exclude(state=CandidateState.OPEN).order_by("-decided_at", "-pk")
    return open_, decided[:RECENT_DECISIONS]


# --- coverage --------------------------------------------------------------------------------
def _subtrees(round_paths: list[str], limits: list[list[str]]) -> list[str]:
    """Paths whose subtrees make the intersection of the round's subtrees with each list of
    limiting subtrees (an area asked for, the user's areas)."""
    current = list(round_paths)
    for limit in limits:
        nxt: list[str] = []
        for a in current:
            for b in limit:
                if a.startswith(b):
                    nxt.append(a)
                elif b.startswith(a):
                    nxt.append(b)
        current = sorted(set(nxt))
    return list(fold(current))


def _area_q(paths: list[str]) -> Q:
    return subtree_q(paths)


def scope_paths(
    rnd: ScreeningRound, *, area: Area | None = None, user: Actor | None = None
) -> list[str]:
    limits: list[list[str]] = []
    if area is not None:
        limits.append([area.path])
    if user is not None:
        limits.append(list(user.area_paths))
    return _subtrees(list(rnd.areas.values_list("path", flat=True)), limits)


def target_persons(
    rnd: ScreeningRound, *, area: Area | None = None, user: Actor | None = None
) -> QuerySet[Person]:
    """The round's target population: active persons living in its areas (within ``area``
    and the user's areas when given)."""
    paths = scope_paths(rnd, area=area, user=user)
    return Person.objects.filter(
        status=PersonStatus.ACTIVE, area__in=Area.objects.filter(_area_q(paths)).values("pk")
    )


def missing_persons(
    rnd: ScreeningRound, *, area: Area | None = None, user: Actor | None = None
) -> QuerySet[Person]:
    """Target persons with no swab in the round yet: where door-to-door sampling goes."""
    sampled = TubeMember.objects.filter(round=rnd).values("person_id")
    return target_persons(rnd, area=area, user=user).exclude(pk__in=sampled)


@dataclass
class CoverageRow:
    area_id: int
    name: str
    path: str
    target: int = 0
    sampled: int = 0

    @property
    def missing(self) -> int:
        return max(self.target - self.sampled, 0)

    @property
    def percent(self) -> float:
        return round(100 * self.sampled / self.target, 1) if self.target else 0.0


@dataclass
class Coverage:
    round: ScreeningRound
    area: Area | None
    target: int = 0
    sampled: int = 0
    by_village: list[CoverageRow] = field(default_factory=list)
    by_building: list[CoverageRow] = field(default_factory=list)

    @property
    def missing(self) -> int:
        return max(self.target - self.sampled, 0)

    @property
    def percent(self) -> float:
        return round(100 * self.sampled / self.target, 1) if self.target else 0.0


VILLAGE_DEPTH = 3


def coverage(
    rnd: ScreeningRound,
    *,
    area: Area | None = None,
    user: Actor | None = None,
    buildings: bool | None = None,
) -> Coverage:
    """Target, sampled and missing for the round (within ``area``), per village and per
    building: two grouped queries (persons by area, sampled persons by area) rolled up the
    area tree in Python. ``buildings`` defaults to on when looking at a village or below."""
    paths = scope_paths(rnd, area=area, user=user)
    out = Coverage(round=rnd, area=area)
    if not paths:
        return out
    areas_qs = Area.objects.filter(_area_q(paths))
    targets = dict(
        Person.objects.filter(status=PersonStatus.ACTIVE, area__in=areas_qs.values("pk"))
        .values_list("area_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    sampled = dict(
        TubeMember.objects.filter(round=rnd, area__in=areas_qs.values("pk"))
        .values_list("area_id")
        .annotate(n=Count("person_id", distinct=True))
        .order_by()
    )
    info = {pk: (path, depth, kind, name) for pk, path, depth, kind, name in
            areas_qs.values_list("pk", "path", "depth", "kind", "name")}  # fmt: skip
    if buildings is None:
        buildings = area is not None and area.depth >= VILLAGE_DEPTH
    step = Area.steplen
    villages: dict[str, CoverageRow] = {}
    by_path = {v[0]: (pk, v[3]) for pk, v in info.items()}
    for pk in set(targets) | set(sampled):
        path, depth, kind, name = info.get(pk, ("", 0, "", ""))
        t, s = targets.get(pk, 0), sampled.get(pk, 0)
        out.target += t
        out.sampled += s
        if depth >= VILLAGE_DEPTH:
            vpath = path[: step * VILLAGE_DEPTH]
            row = villages.get(vpath)
            if row is None:
                vpk, vname = by_path.get(vpath, (0, ""))
                row = villages[vpath] = CoverageRow(vpk, vname, vpath)
            row.target += t
            row.sampled += s
        if buildings and kind == "building":
            out.by_building.append(CoverageRow(pk, name, path, t, s))
    out.by_village = sorted(villages.values(), key=lambda r: r.path)
    out.by_building.sort(key=lambda r: r.path)
    return out


# --- turnaround ------------------------------------------------------------------------------
GROUPS = {"point": ("point_id", "point__name"), "lab": ("lab_id", "lab__name"),
          "round": ("round_id", "round__name")}  # fmt: skip


def _quantile(sorted_values: list[float], q: float) -> float | None:
    if not sorted_values:
        return None
    i = (len(sorted_values) - 1) * q
    lo, hi = int(i), min(int(i) + 1, len(sorted_values) - 1)
    return round(sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (i - lo), 2)


@dataclass
class StageStats:
    count: int
    median_h: float | None
    p90_h: float | None


@dataclass
class TurnaroundRow:
    key: int | None  # the point's, lab's or round's id
    name: str
    tubes: int = 0
    past_target: int = 0
    stages: dict[str, StageStats] = field(default_factory=dict)


def turnaround(
    tubes: QuerySet[Tube], *, group: str = "point", targets: dict[str, float] | None = None,
    now: dt.datetime | None = None,
) -> list[TurnaroundRow]:  # fmt: skip
    """Per point, lab or round: median and p90 hours of each stage (sampled → received →
    tested → reported, and the total) and the tubes past their target (the total, or the
    time so far for a tube not yet reported)."""
    if group not in GROUPS:
        raise ValueError(group)
    targets = {**target_hours(), **(targets or {})}
    now = now or timezone.now()
    key_f, name_f = GROUPS[group]
    data: dict[Any, dict[str, Any]] = {}
    rows = tubes.exclude(first_sampled_at__isnull=True).values_list(
        key_f, name_f, "kind", "first_sampled_at", "received_at", "tested_at", "reported_at"
    )
    for key, name, kind, s, r, t, rep in rows.iterator(chunk_size=5000):
        d = data.setdefault(key, {"name": name or "", "n": 0, "late": 0,
                                  **{st: [] for st in Stage.values}})  # fmt: skip
        d["n"] += 1
        if r:
            d[Stage.TRANSPORT].append((r - s).total_seconds() / 3600)
        if r and t:
            d[Stage.TEST].append((t - r).total_seconds() / 3600)
        if t and rep:
            d[Stage.REPORT].append((rep - t).total_seconds() / 3600)
        if rep:
            d[Stage.TOTAL].append((rep - s).total_seconds() / 3600)
        if ((rep or now) - s).total_seconds() / 3600 > targets[kind]:
            d["late"] += 1
    out = []
    for key, d in data.items():
        row = TurnaroundRow(key=key, name=d["name"], tubes=d["n"], past_target=d["late"])
        for st in Stage.values:
            vals = sorted(d[st])
            row.stages[st] = StageStats(len(vals), _quantile(vals, 0.5), _quantile(vals, 0.9))
        out.append(row)
    out.sort(key=lambda r: (-r.past_target, str(r.name)))
    return out


OVERDUE_STATES = {
    "receipt": (TubeState.OPEN, TubeState.CLOSED, TubeState.BOXED, TubeState.IN_TRANSIT),
    "test": (TubeState.RECEIVED,),
    "report": (TubeState.TESTED,),
}


def overdue(
    tubes: QuerySet[Tube], stage: str, *, targets: dict[str, float] | None = None,
    now: dt.datetime | None = None,
) -> QuerySet[Tube]:  # fmt: skip
    """Tubes waiting for ``stage`` (receipt, test or report) whose time since the first
    swab is past their kind's target, the oldest first."""
    if stage not in OVERDUE_STATES:
        raise ValueError(stage)
    targets = {**target_hours(), **(targets or {})}
    now = now or timezone.now()
    late = Q(pk__in=[])
    for kind, hours in targets.items():
        late |= Q(kind=kind, first_sampled_at__lt=now - dt.timedelta(hours=hours))
    return tubes.filter(late, state__in=OVERDUE_STATES[stage]).order_by("first_sampled_at")


# --- a person's own results ------------------------------------------------------------------
@dataclass
class PersonResult:
    sampled_at: dt.datetime
    round: str
    point: str
    tube: str
    kind: str
    status: str
    outcome: str | None  # negative / positive / invalid, only once released
    outcome_label: str = ""


def results_for_person(person: Any, limit: int = 50) -> list[PersonResult]:
    """The person's swabs, newest first, with the result once released: a negative pool
    shows negative to every member; a positive pool shows "awaiting single-tube retest"."""
    members = (
        TubeMember.objects.filter(person=person)
        .select_related("tube", "tube__result", "round", "tube__point")
        .order_by("-sampled_at")[:limit]
    )
    out = []
    for m in members:
        tube = m.tube
        res = (
            getattr(tube, "result", None)
            if tube.state in (TubeState.TESTED, TubeState.REPORTED)
            else None
        )
        outcome = None
        label = ""
        if res is not None and res.released and tube.state == TubeState.REPORTED:
            outcome, label = res.outcome, str(Outcome(res.outcome).label)
            status = str(_("Reported"))
        elif tube.state == TubeState.REPORTED:
            status = str(_("Awaiting single-tube retest"))
        elif tube.state in (TubeState.RECEIVED, TubeState.TESTED):
            status = str(_("At the lab"))
        elif tube.state in (TubeState.BOXED, TubeState.IN_TRANSIT):
            status = str(_("On the way to the lab"))
        else:
            status = str(_("Sampled"))
        out.append(PersonResult(m.sampled_at, m.round.name, tube.point.name, tube.barcode,
                                tube.kind, status, outcome, label))  # fmt: skip
    return out


# --- results imports -------------------------------------------------------------------------
def result_imports_for(user: Actor) -> QuerySet[ResultImportJob]:
    """The results imports a user may follow (``ResultImportJob.objects.visible_to``),
    without their files."""
    return ResultImportJob.objects.visible_to(user).select_related("lab").defer("content")


def get_result_import(user: Actor, pk: Any) -> ResultImportJob:
    """One import the user may follow; another lab's or area's does not exist for them."""
    return get_visible_or_404(result_imports_for(user), user, pk=pk)


# --- the work queue (core.workqueue; the retest and late-tube queues are in selectors_work) --
# Hours from a task's creation to its deadline (FANGKONG_TESTING_FOLLOW_UP_HOURS overrides):
# a positive pool's members are re-sampled singly, and a positive single tube decided on,
# within two hours.
DEFAULT_FOLLOW_UP_HOURS = {"retest": 2, "candidate": 2}


def follow_up_hours() -> dict[str, float]:
    return {**DEFAULT_FOLLOW_UP_HOURS, **getattr(settings, "FANGKONG_TESTING_FOLLOW_UP_HOURS", {})}


def _oldest_work(qs: QuerySet, hours: float, url: str) -> Work:
    row = qs.aggregate(n=Count("pk"), first=Min("created_at"))
    due = row["first"] + dt.timedelta(hours=hours) if row["first"] else None
    return Work(row["n"], due, url)


def _open_candidates(user: Actor, now: dt.datetime) -> QuerySet[CaseCandidate]:
    return CaseCandidate.objects.visible_to(user).filter(state=CandidateState.OPEN)


def candidates_work(user: Actor, now: dt.datetime) -> Work:
    """Case candidates to confirm or dismiss; due two hours after the oldest."""
    qs = _open_candidates(user, now)
    return _oldest_work(qs, follow_up_hours()["candidate"], reverse("testing:candidates"))


def candidates_by_township(user: Actor, now: dt.datetime) -> dict[str, int]:
    return per_township(_open_candidates(user, now), "area__path")
