"""Reads of cases and contacts: scoped lists, the case candidates' board, the tracing
indicators, the zero-community-case streak and the work queues."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db.models import Count, DateField, Exists, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.areas.models import Area
from fangkong.cases.choices import CandidateState, CaseKind, FoundWhere
from fangkong.cases.models import CONTROL_WITHIN, Case, CaseCandidate, Contact
from fangkong.core.actors import Actor
from fangkong.core.figures import Figure, Number, township_counts, township_of
from fangkong.core.workqueue import TOWNSHIP_DEPTH, Work, per_township
from fangkong.testing.selectors import follow_up_hours, oldest_work

RECENT_DECISIONS = 50


# --- case candidates (阳性待核) ----------------------------------------------------------------
def candidates_for(user: Actor) -> QuerySet[CaseCandidate]:
    return CaseCandidate.objects.visible_to(user).select_related("person", "household", "tube")


def candidate_board(user: Actor) -> tuple[QuerySet[CaseCandidate], QuerySet[CaseCandidate]]:
    """Case candidates in the user's areas: the open ones, oldest first (the longest
    waiting), and the most recent decisions."""
    qs = candidates_for(user).select_related("area", "tube__result", "decided_by")
    open_ = qs.filter(state=CandidateState.OPEN).order_by("created_at", "pk")
    decided = qs.exclude(state=CandidateState.OPEN).order_by("-decided_at", "-pk")
    return open_, decided[:RECENT_DECISIONS]


def open_candidate_person_ids(person_ids: list[int]) -> set[int]:
    """Those of these persons with a case candidate still open."""
    return set(
        CaseCandidate.objects.filter(
            person_id__in=person_ids, state=CandidateState.OPEN
        ).values_list("person_id", flat=True)
    )


def _open_candidates(user: Actor, now: dt.datetime) -> QuerySet[CaseCandidate]:
    return CaseCandidate.objects.visible_to(user).filter(state=CandidateState.OPEN)


def candidates_work(user: Actor, now: dt.datetime) -> Work:
    """Case candidates to confirm or dismiss; due two hours after the oldest."""
    qs = _open_candidates(user, now)
    return oldest_work(qs, follow_up_hours()["candidate"], reverse("cases:candidates"))


def candidates_by_township(user: Actor, now: dt.datetime) -> dict[str, int]:
    return per_township(_open_candidates(user, now), "area__path")


# --- cases and contacts ----------------------------------------------------------------------
def cases_for(user: Actor) -> QuerySet[Case]:
    return Case.objects.visible_to(user).select_related("person", "area")


def contacts_for(user: Actor) -> QuerySet[Contact]:
    return Contact.objects.visible_to(user).select_related("person", "area", "case__person")


# --- cases inside an area (the risk areas' days without a new infection) ----------------------
# Unscoped on purpose: lifting a risk area counts every case inside it, whoever looks; the
# caller has already scoped the designation it asks about.
def last_case_on(path: str) -> dt.date | None:
    """The report day of the last case whose area lies in the subtree at ``path``."""
    return Case.objects.filter(area__path__startswith=path).aggregate(m=Max("reported_on"))["m"]


def last_case_subquery(path: Any) -> Subquery:
    """``last_case_on`` for an outer query's area path (an ``OuterRef``): one correlated
    subquery on the (area, reported_on) index."""
    last = Case.objects.filter(area__path__startswith=path).order_by("-reported_on")
    return Subquery(last.values("reported_on")[:1], output_field=DateField())


def judged_by_cases(person: str = "person_id", tube: str = "tube_id") -> Q:
    """For a positive swab (an outer query's ``person`` and ``tube``): whether the cases app
    has judged it already: the person is a case (counted on its report day), or this tube's
    candidate was dismissed (not an infection). Every other positive is not yet known here."""
    case = Case.objects.filter(person_id=OuterRef(person))
    dismissed = CaseCandidate.objects.filter(
        person_id=OuterRef(person), tube_id=OuterRef(tube), state=CandidateState.DISMISSED
    )
    return Q(Exists(case)) | Q(Exists(dismissed))


@dataclass(frozen=True)
class Indicators:
    """The WHO contact-tracing indicators over the cases reported in a period."""

    cases: int
    contacts: int
    controlled_in_24h: int  # contacts under control within 24 h of their case's report
    from_contacts: int  # cases that were known contacts when reported

    @property
    def contacts_per_case(self) -> float | None:
        return round(self.contacts / self.cases, 1) if self.cases else None

    @property
    def controlled_in_24h_pct(self) -> float | None:
        return round(100 * self.controlled_in_24h / self.contacts, 1) if self.contacts else None

    @property
    def from_contacts_pct(self) -> float | None:
        return round(100 * self.from_contacts / self.cases, 1) if self.cases else None


def _cases_between(user: Actor, start: dt.date | None, end: dt.date | None) -> QuerySet[Case]:
    cases = Case.objects.visible_to(user)
    if start:
        cases = cases.filter(reported_on__gte=start)
    if end:
        cases = cases.filter(reported_on__lte=end)
    return cases


def _contacts_of(cases: QuerySet[Case]) -> tuple[int, int]:
    """The contacts of ``cases`` and those of them under control within 24 h: one count on
    the (case, controlled_in_time) index."""
    k = Contact.objects.filter(case__in=cases.values("pk")).aggregate(
        n=Count("pk"), fast=Count("pk", filter=Q(controlled_in_time=True))
    )
    return k["n"], k["fast"]


def indicators(user: Actor, start: dt.date | None = None, end: dt.date | None = None) -> Indicators:
    """Over the cases reported from ``start`` to ``end`` (local days, both optional) in the
    user's areas: contacts per case, the share of their contacts under control within 24 h
    of the case's report, the share of the cases that were known contacts. Two queries."""
    cases = _cases_between(user, start, end)
    c = cases.aggregate(n=Count("pk"), known=Count("pk", filter=Q(source_contact__isnull=False)))
    n, fast = _contacts_of(cases)
    return Indicators(c["n"], n, fast, c["known"])


# --- the zero-community-case streak (社会面零发生) ---------------------------------------------
@dataclass(frozen=True)
class Streak:
    """Consecutive days with no community case up to ``day`` (``day`` included), in an
    area; None when there is no case at all to count from."""

    area: Any
    days: int | None
    last_community: dt.date | None


@dataclass
class StreakBoard:
    day: dt.date
    overall: Streak
    townships: list[Streak] = field(default_factory=list)
    history: list[tuple[dt.date, int, int | None]] = field(default_factory=list)  # day, n, streak


def _run(
    dates: set[dt.date], day: dt.date, start: dt.date | None
) -> tuple[int | None, dt.date | None]:
    last = max((d for d in dates if d <= day), default=None)
    if last is not None:
        return (day - last).days, last
    if start is None or start > day:
        return None, None
    return (day - start).days + 1, None


class CaseRow(NamedTuple):
    """Cases of one township, report day and place found (``_case_rows``)."""

    township: str  # the area's path cut to the township's (shorter above township level)
    day: dt.date
    found: str
    n: int
    confirmed: int
    asymptomatic: int
    known: int  # of them, known contacts when reported


def _case_rows(user: Actor, day: dt.date) -> list[CaseRow]:
    """The cases reported up to ``day`` in the user's areas, counted per township x report
    day x where found, by kind: the one walk of the cases that the day's figures, the
    streak and the tracing indicators share."""
    rows = (
        Case.objects.visible_to(user)
        .filter(reported_on__lte=day)
        .annotate(t=township_of("area__path"))
        .values_list("t", "reported_on", "found")
        .annotate(
            n=Count("pk"),
            confirmed=Count("pk", filter=Q(kind=CaseKind.CONFIRMED)),
            asymptomatic=Count("pk", filter=Q(kind=CaseKind.ASYMPTOMATIC)),
            known=Count("source_contact"),
        )
        .order_by()
    )
    return [CaseRow(t or "", *rest) for t, *rest in rows]


def streaks(user: Actor, day: dt.date, *, history_days: int = 30) -> StreakBoard:
    """The streak for the user's areas as a whole and for each township in them, and the
    last ``history_days`` days (community cases that day, streak that evening). Counting
    starts on the day of the first case the user can see. Two queries."""
    return _streak_board(user, day, _case_rows(user, day), history_days)


def _streak_board(user: Actor, day: dt.date, rows: list[CaseRow], history_days: int) -> StreakBoard:
    start = min((r.day for r in rows), default=None)
    per_day: dict[dt.date, int] = {}
    per_township: dict[str, set[dt.date]] = {}
    for r in rows:
        if r.found == FoundWhere.COMMUNITY:
            per_day[r.day] = per_day.get(r.day, 0) + r.n
            per_township.setdefault(r.township, set()).add(r.day)
    community = set(per_day)
    days, last = _run(community, day, start)
    board = StreakBoard(day, Streak(None, days, last))
    for town in Area.objects.visible_to(user).filter(depth=TOWNSHIP_DEPTH).order_by("path"):
        t_days, t_last = _run(per_township.get(town.path, set()), day, start)
        board.townships.append(Streak(town, t_days, t_last))
    for i in range(history_days - 1, -1, -1):
        d = day - dt.timedelta(days=i)
        board.history.append((d, per_day.get(d, 0), _run(community, d, start)[0]))
    return board


# --- contacts not yet under control (the work queue) -------------------------------------------
def _uncontrolled(user: Actor, now: dt.datetime | None = None) -> QuerySet[Contact]:
    return Contact.objects.visible_to(user).filter(episode__isnull=True)


def uncontrolled_contacts(user: Actor) -> QuerySet[Contact]:
    return contacts_for(user).filter(episode__isnull=True).order_by("created_at", "pk")


def uncontrolled_work(user: Actor, now: dt.datetime) -> Work:
    """Contacts registered but not under control; due 24 h after the oldest was registered
    (the WHO indicator's bound)."""
    row = _uncontrolled(user, now).aggregate(n=Count("pk"), first=Min("created_at"))
    due = row["first"] + CONTROL_WITHIN if row["first"] else None
    return Work(row["n"], due, reverse("cases:uncontrolled"))


def uncontrolled_by_township(user: Actor, now: dt.datetime) -> dict[str, int]:
    return per_township(_uncontrolled(user, now), "area__path")


# --- the command centre's section (cases/figures.py) -----------------------------------------
FIGURES = {
    "today": _("New cases today"),
    "today_confirmed": _("New confirmed cases today"),
    "today_asymptomatic": _("New asymptomatic infections today"),
    "today_community": _("New cases found in the community today"),
    "today_controlled": _("New cases found under control today"),
    "total": _("Cases in total"),
    "total_confirmed": _("Confirmed cases in total"),
    "total_asymptomatic": _("Asymptomatic infections in total"),
    "total_community": _("Found in the community in total"),
    "total_controlled": _("Found under control in total"),
}
_FOUND: dict[str, str] = {
    FoundWhere.COMMUNITY: "_community",
    FoundWhere.UNDER_CONTROL: "_controlled",
}


def figures(user: Actor, day: dt.date) -> list[Figure]:
    """Cases on ``day`` and in total by kind and by where found, the streak, the tracing
    indicators (all cases to ``day``) and the contacts not under control. Each with its
    count per township where it makes sense. Four queries and the townships: the cases
    grouped once (``_case_rows``, shared with the streak and the indicators), the contacts
    of those cases, the contacts not under control per township."""
    cut = Area.steplen * TOWNSHIP_DEPTH
    rows = _case_rows(user, day)
    sums: dict[str, int] = dict.fromkeys(FIGURES, 0)
    seen = {r.township for r in rows if len(r.township) == cut}
    # every township with a case has every figure, 0 or more
    towns: dict[str, dict[str, Number]] = {k: dict.fromkeys(seen, 0) for k in FIGURES}
    for r in rows:
        whens = ("total", "today") if r.day == day else ("total",)
        parts = [("", r.n), ("_confirmed", r.confirmed), ("_asymptomatic", r.asymptomatic)]
        if r.found in _FOUND:
            parts.append((_FOUND[r.found], r.n))
        town = r.township if r.township in seen else None
        for when in whens:
            for part, n in parts:
                sums[when + part] += n
                if town is not None:
                    towns[when + part][town] = (towns[when + part][town] or 0) + n
    board = _streak_board(user, day, rows, history_days=1)
    contacts, fast = _contacts_of(_cases_between(user, None, day))
    tracing = Indicators(sums["total"], contacts, fast, sum(r.known for r in rows))
    # one grouped query: the total counts those above township level too
    uncontrolled, uncontrolled_t = township_counts(_uncontrolled(user), "area__path", n=Count("pk"))
    url = reverse("cases:case_list")
    out = [
        Figure(f"cases.{k}", label, sums[k], _("persons"), url, towns[k])
        for k, label in FIGURES.items()
    ]
    out += [
        Figure("cases.streak", _("Days without a community case"), board.overall.days,
               _("days"), reverse("cases:streak"),
               {s.area.path: s.days for s in board.townships}),
        Figure("cases.contacts_per_case", _("Contacts per case"),
               tracing.contacts_per_case, note=_("All cases to this day.")),
        Figure("cases.controlled_in_24h", _("Contacts under control within 24 h"),
               tracing.controlled_in_24h_pct, "%", note=_("Of the contacts of all cases.")),
        Figure("cases.from_contacts", _("Cases that were known contacts"),
               tracing.from_contacts_pct, "%"),
        Figure("cases.uncontrolled", _("Contacts not under control"), uncontrolled["n"],
               _("persons"), reverse("cases:uncontrolled"), uncontrolled_t["n"]),
    ]  # fmt: skip
    return out
