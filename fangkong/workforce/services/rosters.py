"""Staff pools, posts and rosters: rules as data on the pool, a roster solved by CP-SAT
(``workforce.roster``) and checked by the independent validator before it is saved,
published to each person, re-solved around a sick day or a swap."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.errors import Conflict, ValidationFailed
from fangkong.core.notifications import notify
from fangkong.core.permissions import require, require_area
from fangkong.workforce import roster as solver
from fangkong.workforce.choices import AbsenceKind, PoolKind, RosterStatus
from fangkong.workforce.models import (
    Absence,
    Assignment,
    Post,
    Roster,
    StaffMember,
    StaffPool,
    default_rules,
)
from fangkong.workforce.states import RosterMachine

RULE_BOUNDS = {
    "max_hours_day": (1, 24),
    "max_hours_week": (1, 168),
    "min_rest_hours": (0, 48),
    "min_days_off_week": (0, 7),
}
_TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
MAX_DAYS = 14


def clean_rules(rules: dict[str, Any]) -> dict[str, float]:
    out: dict[str, float] = dict(default_rules())
    errors: dict[str, list[str]] = {}
    for key, value in (rules or {}).items():
        if key not in RULE_BOUNDS:
            errors.setdefault(key, []).append(_("Unknown rule."))
            continue
        lo, hi = RULE_BOUNDS[key]
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = float("nan")
        if not lo <= number <= hi:
            errors.setdefault(key, []).append(
                _("Between %(lo)s and %(hi)s.") % {"lo": lo, "hi": hi}
            )
            continue
        out[key] = int(number) if key == "min_days_off_week" else number
    if errors:
        raise ValidationFailed(_("Some rules are not valid."), fields=errors)
    return out


def clean_shifts(shifts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not shifts:
        raise ValidationFailed(_("A post needs at least one shift."), field="shifts")
    out = []
    for i, sh in enumerate(shifts, start=1):
        name = str(sh.get("name", "")).strip()[:20] or str(i)
        start = str(sh.get("start", ""))
        if not _TIME_RE.match(start):
            raise ValidationFailed(
                _("Shift %(n)s: a start time such as 08:00.") % {"n": name}, field="shifts"
            )
        try:
            hours = float(sh.get("hours", 0))
            needed = int(sh.get("needed", 0))
        except (TypeError, ValueError):
            hours, needed = 0, 0
        if not 0.5 <= hours <= 24:
            raise ValidationFailed(
                _("Shift %(n)s: between 0.5 and 24 hours.") % {"n": name}, field="shifts"
            )
        if not 1 <= needed <= 100:
            raise ValidationFailed(
                _("Shift %(n)s: between 1 and 100 people.") % {"n": name}, field="shifts"
            )
        out.append({"name": name, "start": start, "hours": hours, "needed": needed})
    return out


@transaction.atomic
def create_pool(
    *, by: Actor, name: str, kind: str, area: Any, rules: dict[str, Any] | None = None
) -> StaffPool:
    require(by, "roster.manage")
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed(_("A name of 1 to 100 characters."), field="name")
    if kind not in PoolKind.values:
        raise ValidationFailed(_("Unknown kind."), field="kind")
    if area is None:
        raise ValidationFailed(_("An area is required."), field="area")
    require_area(by, area)
    pool = StaffPool.objects.create(
        name=name, kind=kind, area=area, rules=clean_rules(rules or {}), created_by=by
    )
    audit.record(audit.Action.CREATE, pool, by=by, after=audit.snapshot(pool))
    return pool


@transaction.atomic
def set_rules(pool: StaffPool, *, by: Actor, rules: dict[str, Any]) -> StaffPool:
    require(by, "roster.manage")
    require_area(by, pool.area, field="pool")
    before = audit.snapshot(pool)
    pool.rules = clean_rules({**pool.rules, **rules})
    pool.save(update_fields=["rules", "updated_at"])
    audit.record(audit.Action.UPDATE, pool, by=by, before=before, after=audit.snapshot(pool))
    return pool


@transaction.atomic
def add_member(
    pool: StaffPool,
    *,
    by: Actor,
    name: str,
    qualifications: list[str] | None = None,
    closed_loop: bool = False,
    user: Actor | None = None,
) -> StaffMember:
    require(by, "roster.manage")
    require_area(by, pool.area, field="pool")
    name = (name or "").strip()
    if not name or len(name) > 60:
        raise ValidationFailed(_("A name of 1 to 60 characters."), field="name")
    quals = sorted({str(q).strip()[:40] for q in (qualifications or []) if str(q).strip()})
    member = StaffMember.objects.create(
        pool=pool, name=name, qualifications=quals, closed_loop=closed_loop, user=user,
        created_by=by,
    )  # fmt: skip
    audit.record(audit.Action.CREATE, member, by=by, after=audit.snapshot(member))
    return member


@transaction.atomic
def add_post(
    pool: StaffPool,
    *,
    by: Actor,
    name: str,
    shifts: list[dict[str, Any]],
    closed_loop: bool = False,
    qualification: str = "",
) -> Post:
    require(by, "roster.manage")
    require_area(by, pool.area, field="pool")
    name = (name or "").strip()
    if not name or len(name) > 60:
        raise ValidationFailed(_("A name of 1 to 60 characters."), field="name")
    post = Post.objects.create(
        pool=pool, name=name, closed_loop=closed_loop,
        qualification=(qualification or "").strip()[:40], shifts=clean_shifts(shifts),
        created_by=by,
    )  # fmt: skip
    audit.record(audit.Action.CREATE, post, by=by, after=audit.snapshot(post))
    return post


# --- solving ------------------------------------------------------------------------------


def _hours(start: str) -> float:
    h, m = start.split(":")
    return int(h) + int(m) / 60


def build_problem(
    pool: StaffPool, start: dt.date, days: int, *, keep: Roster | None = None
) -> tuple[solver.Problem, dict[int, tuple[Post, int]], dict[int, StaffMember]]:
    """The pool as the solver's problem: its members (away days from the absences), every
    post's shifts over ``days`` days, its rules, and whom to keep where: the roster being
    re-solved (``keep``), else the same weekday of the week before ``start``."""
    members = {m.pk: m for m in pool.members.filter(active=True).order_by("pk")}
    away: dict[int, set[int]] = {}
    for mid, day in Absence.objects.filter(
        member__pool=pool, day__gte=start, day__lt=start + dt.timedelta(days=days)
    ).values_list("member_id", "day"):
        away.setdefault(mid, set()).add((day - start).days)
    staff = [
        solver.Staff(
            m.pk, frozenset(m.qualifications), m.closed_loop, frozenset(away.get(m.pk, ()))
        )
        for m in members.values()
    ]
    shifts: list[solver.Shift] = []
    where: dict[int, tuple[Post, int]] = {}
    index: dict[tuple[int, int, int], int] = {}
    for post in pool.posts.order_by("pk"):
        for d in range(days):
            for i, sh in enumerate(post.shifts):
                k = len(shifts)
                label = f"{post.name} {start + dt.timedelta(days=d)} {sh['name']}"
                shifts.append(solver.Shift(k, post.pk, d, _hours(sh["start"]), float(sh["hours"]),
                                           int(sh["needed"]), post.closed_loop, post.qualification,
                                           label))  # fmt: skip
                where[k] = (post, i)
                index[(post.pk, d, i)] = k
    prefer: dict[tuple[int, int], int] = {}
    if keep is not None:
        for a in keep.assignments.all():
            found = index.get((a.post_id, (a.day - start).days, a.shift))
            if found is not None:
                prefer[(a.member_id, found)] = 20
    else:
        last = start - dt.timedelta(days=7)
        for a in Assignment.objects.filter(
            roster__pool=pool, roster__status=RosterStatus.PUBLISHED, day__gte=last, day__lt=start
        ):
            for d in range((a.day - last).days, days, 7):
                found = index.get((a.post_id, d, a.shift))
                if found is not None:
                    prefer[(a.member_id, found)] = 5
    return (
        solver.Problem(days, staff, shifts, solver.Rules.from_dict(pool.rules), prefer),
        where,
        members,
    )


def solve_roster(
    pool: StaffPool,
    *,
    by: Actor,
    start: dt.date,
    days: int = 7,
    seconds: float = 20,
    keep: Roster | None = None,
) -> Roster:
    """Solve a roster for ``days`` days from ``start`` and save it as a draft. The roster is
    validated against every hard rule before it is saved (never trusted on the solver's
    word); uncovered places and, when rules cannot all be kept, the rule and where are
    kept with it."""
    require(by, "roster.manage")
    require_area(by, pool.area, field="pool")
    if not 1 <= days <= MAX_DAYS:
        raise ValidationFailed(_("Between 1 and %(n)d days.") % {"n": MAX_DAYS}, field="days")
    problem, where, _members = build_problem(pool, start, days, keep=keep)
    if not problem.shifts:
        raise ValidationFailed(_("The pool has no post with shifts."), field="pool")
    sol = solver.solve(problem, seconds=seconds)
    broken = solver.validate(problem, sol.assignments)
    if broken:  # a bug of the model, never a roster to publish
        raise Conflict(
            _("The solver's roster breaks the rule %(r)s; nothing was saved.")
            % {"r": broken[0].rule},
            field="roster",
        )
    _lo, _hi, spread = solver.spread(problem, sol.assignments)
    by_id = {sh.id: sh for sh in problem.shifts}
    with transaction.atomic():
        roster = Roster.objects.create(
            pool=pool, start_date=start, days=days, solver_status=sol.status,
            seconds=round(sol.seconds, 2), spread_hours=spread,
            uncovered=[{"where": by_id[k].where, "post": by_id[k].post, "missing": n,
                        "day": (start + dt.timedelta(days=by_id[k].day)).isoformat()}
                       for k, n in sorted(sol.uncovered.items())],
            conflicts=[{"rule": c.rule, "where": c.where[:50], "count": len(c.where)}
                       for c in sol.conflicts],
            created_by=by,
        )  # fmt: skip
        tz = timezone.get_current_timezone()
        rows = []
        for mid, k in sol.assignments:
            sh = by_id[k]
            post, i = where[k]
            day = start + dt.timedelta(days=sh.day)
            starts = dt.datetime.combine(day, dt.time(0), tzinfo=tz) + dt.timedelta(hours=sh.start)
            rows.append(Assignment(roster=roster, member_id=mid, post=post, day=day, shift=i,
                                   starts_at=starts, hours=sh.hours))  # fmt: skip
        Assignment.objects.bulk_create(rows, batch_size=2000)
        audit.record(
            audit.Action.CREATE, roster, by=by,
            detail=f"{len(rows)} assignments, {sol.uncovered_total} uncovered, {sol.status}",
        )  # fmt: skip
    return roster


@transaction.atomic
def publish(roster: Roster, *, by: Actor) -> Roster:
    """Publish the roster: the one it replaces is superseded, each person with an account
    gets a notice with their shifts' page."""
    require(by, "roster.manage")
    require_area(by, roster.pool.area, field="roster")
    r = Roster.objects.select_for_update().get(pk=roster.pk)
    RosterMachine.check(r, RosterStatus.PUBLISHED)
    end = r.start_date + dt.timedelta(days=r.days)
    for old in (
        Roster.objects.select_for_update()
        .filter(pool=r.pool, status=RosterStatus.PUBLISHED, start_date__lt=end)
        .exclude(pk=r.pk)
    ):
        if old.start_date + dt.timedelta(days=old.days) > r.start_date:
            RosterMachine.perform(old, RosterStatus.SUPERSEDED, by=by)
    RosterMachine.perform(r, RosterStatus.PUBLISHED, by=by, also={"published_at": timezone.now()})
    users = [
        m.user for m in StaffMember.objects.filter(
            pk__in=r.assignments.values("member_id"), user__isnull=False
        ).select_related("user")
    ]  # fmt: skip
    from django.urls import reverse

    notify(
        users, kind="roster", area=r.pool.area, url=reverse("workforce:my_shifts"),
        title=_("Your shifts from %(d)s are published (%(p)s).") % {"d": r.start_date, "p": r.pool.name},
    )  # fmt: skip
    return r


@transaction.atomic
def record_absence(
    member: StaffMember, *, by: Actor, day: dt.date, kind: str, note: str = ""
) -> Absence:
    """A sick day, leave or swap: the member is away that day (the next solve, or
    ``resolve_around``, works around it). The same day twice is the same absence."""
    require(by, "roster.manage")
    require_area(by, member.pool.area, field="member")
    if kind not in AbsenceKind.values:
        raise ValidationFailed(_("Unknown kind."), field="kind")
    absence, created = Absence.objects.get_or_create(
        member=member,
        day=day,
        defaults={"kind": kind, "note": (note or "")[:200], "created_by": by},
    )
    if created:
        audit.record(audit.Action.CREATE, absence, by=by, after=audit.snapshot(absence))
    return absence


def resolve_around(roster: Roster, *, by: Actor, seconds: float = 20) -> Roster:
    """Re-solve a roster after absences, keeping everyone else where they were as far as
    the rules allow; a new draft to publish (which supersedes the old one)."""
    require(by, "roster.manage")
    require_area(by, roster.pool.area, field="roster")
    if roster.status == RosterStatus.SUPERSEDED:
        raise Conflict(_("This roster was replaced already."), field="roster")
    return solve_roster(
        roster.pool, by=by, start=roster.start_date, days=roster.days, seconds=seconds, keep=roster
    )


@transaction.atomic
def swap(roster: Roster, *, by: Actor, member: StaffMember, day: dt.date, note: str = "") -> Roster:
    """``member`` gives away ``day`` (a swap or a sick day) and the roster is re-solved
    around it."""
    record_absence(member, by=by, day=day, kind=AbsenceKind.SWAP, note=note)
    return resolve_around(roster, by=by)
