"""Frontline rosters (排班): the problem, the CP-SAT solver, an independent validator and
a round-robin baseline. Pure Python over plain data (no Django), so the benchmark and the
tests run it as the service does.

The model. Shifts that start at the same time, last as long and ask for the same kind of
person (closed-loop or not, the same qualification) are one *group*; a person is put on a
group (``x[person, group]``), and the group's places are then handed to its posts (keeping
each person on last week's post where possible). Per person and per *slot* (a start time
and a length) at most one group; two slots that overlap or leave less than the minimum
rest between them are never both worked; hours per day and per week and days off are
capped by the rules. Coverage has a slack per group (an uncovered place), penalised far
above everything else: the solver never drops a shift silently, it reports what it could
not cover and — by relaxing each rule in turn — which rule stops it, and where.
The objective then minimises the spread of hours (max − min, fairness) and rewards keeping
last week's pattern. Every roster is checked by ``validate``, which shares no code with
the model.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from ortools.sat.python import cp_model

RULE_NAMES = (
    "max_hours_day",
    "max_hours_week",
    "min_rest_hours",
    "min_days_off_week",
    "qualification",
    "closed_loop",
    "one_post_at_a_time",
    "absence",
)


@dataclass(frozen=True)
class Rules:
    max_hours_day: float = 12
    max_hours_week: float = 48
    min_rest_hours: float = 12
    min_days_off_week: int = 1

    @classmethod
    def from_dict(cls, data: dict) -> Rules:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


@dataclass(frozen=True)
class Staff:
    id: int
    quals: frozenset[str] = frozenset()
    closed_loop: bool = False
    unavailable: frozenset[int] = frozenset()  # day indexes (sick, leave, swapped away)


@dataclass(frozen=True)
class Shift:
    id: int
    post: int
    day: int  # 0 .. days-1
    start: float  # hour of the day it starts (may run past midnight)
    hours: float
    needed: int
    closed_loop: bool = False
    qualification: str = ""
    where: str = ""  # how a report names it: "卡口A 2022-05-03 夜班"

    @property
    def begins(self) -> float:
        return self.day * 24 + self.start

    @property
    def ends(self) -> float:
        return self.begins + self.hours


@dataclass
class Problem:
    days: int
    staff: list[Staff]
    shifts: list[Shift]
    rules: Rules = field(default_factory=Rules)
    # (staff id, shift id) -> weight: last week's pattern, or the roster being re-solved
    prefer: dict[tuple[int, int], int] = field(default_factory=dict)


@dataclass
class Conflict:
    rule: str
    where: list[str]
    detail: str = ""


@dataclass
class Solution:
    status: str
    assignments: list[tuple[int, int]]  # (staff id, shift id)
    uncovered: dict[int, int]  # shift id -> places not covered
    seconds: float = 0.0
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def uncovered_total(self) -> int:
        return sum(self.uncovered.values())


def eligible(s: Staff, sh: Shift) -> bool:
    """Closed-loop staff only at closed-loop posts (and closed-loop posts only with them);
    a post's qualification held; not away that day."""
    if s.closed_loop != sh.closed_loop:
        return False
    if sh.qualification and sh.qualification not in s.quals:
        return False
    return sh.day not in s.unavailable


def week_blocks(days: int) -> list[range]:
    return [range(d, min(d + 7, days)) for d in range(0, days, 7)]


def max_work_days(block: range, days_off: int) -> int:
    return len(block) - math.ceil(days_off * len(block) / 7)


def hours_of(assigned: Iterable[Shift]) -> float:
    return sum(sh.hours for sh in assigned)


# --- the independent validator ----------------------------------------------------------


def validate(problem: Problem, assignments: list[tuple[int, int]]) -> list[Conflict]:
    """Every hard rule, checked on the roster itself (not on the solver's word): places
    over what a shift needs, eligibility, absences, two shifts at once, rest, hours a day
    and a week, days off. An empty list is a roster that keeps every rule."""
    r = problem.rules
    staff = {s.id: s for s in problem.staff}
    shifts = {sh.id: sh for sh in problem.shifts}
    out: list[Conflict] = []
    per_shift: dict[int, int] = defaultdict(int)
    mine: dict[int, list[Shift]] = defaultdict(list)
    for sid, kid in assignments:
        s, sh = staff[sid], shifts[kid]
        per_shift[kid] += 1
        mine[sid].append(sh)
        if sh.day in s.unavailable:
            out.append(Conflict("absence", [sh.where], f"staff {sid}"))
        if s.closed_loop != sh.closed_loop:
            out.append(Conflict("closed_loop", [sh.where], f"staff {sid}"))
        if sh.qualification and sh.qualification not in s.quals:
            out.append(Conflict("qualification", [sh.where], f"staff {sid}"))
    for kid, n in per_shift.items():
        if n > shifts[kid].needed:
            out.append(Conflict("over_staffed", [shifts[kid].where], f"{n} > {shifts[kid].needed}"))
    for sid, worked in mine.items():
        worked.sort(key=lambda sh: sh.begins)
        for a, b in zip(worked, worked[1:], strict=False):
            if b.begins < a.ends:
                out.append(Conflict("one_post_at_a_time", [a.where, b.where], f"staff {sid}"))
            elif b.begins - a.ends < r.min_rest_hours - 1e-9:
                out.append(Conflict("min_rest_hours", [a.where, b.where], f"staff {sid}"))
        by_day: dict[int, float] = defaultdict(float)
        for sh in worked:
            by_day[sh.day] += sh.hours
        for day, h in by_day.items():
            if h > r.max_hours_day + 1e-9:
                out.append(Conflict("max_hours_day", [f"day {day}"], f"staff {sid}: {h} h"))
        for block in week_blocks(problem.days):
            h = sum(by_day.get(d, 0) for d in block)
            if h > r.max_hours_week + 1e-9:
                out.append(Conflict("max_hours_week", [f"days {block.start}-{block.stop - 1}"],
                                    f"staff {sid}: {h} h"))  # fmt: skip
            worked_days = sum(1 for d in block if d in by_day)
            if worked_days > max_work_days(block, r.min_days_off_week):
                out.append(Conflict("min_days_off_week", [f"days {block.start}-{block.stop - 1}"],
                                    f"staff {sid}: {worked_days} days"))  # fmt: skip
    return out


def spread(problem: Problem, assignments: list[tuple[int, int]]) -> tuple[float, float, float]:
    """(min, max, max − min) hours over the staff who could work at all."""
    shifts = {sh.id: sh for sh in problem.shifts}
    hours: dict[int, float] = defaultdict(float)
    for sid, kid in assignments:
        hours[sid] += shifts[kid].hours
    able = [s.id for s in problem.staff if any(eligible(s, sh) for sh in problem.shifts)]
    if not able:
        return 0.0, 0.0, 0.0
    values = [hours.get(i, 0.0) for i in able]
    return min(values), max(values), max(values) - min(values)


# --- the round-robin baseline -----------------------------------------------------------


def round_robin(problem: Problem) -> Solution:
    """Shifts in time order, each place to the next person in the rotation who is
    eligible and keeps every rule: what a coordinator does by hand."""
    t0 = time.perf_counter()
    r = problem.rules
    order = sorted(problem.shifts, key=lambda sh: (sh.begins, sh.post))
    staff = list(problem.staff)
    worked: dict[int, list[Shift]] = defaultdict(list)
    day_hours: dict[tuple[int, int], float] = defaultdict(float)
    blocks = week_blocks(problem.days)
    block_of = {d: i for i, b in enumerate(blocks) for d in b}
    week_hours: dict[tuple[int, int], float] = defaultdict(float)
    week_days: dict[tuple[int, int], set[int]] = defaultdict(set)
    assignments: list[tuple[int, int]] = []
    uncovered: dict[int, int] = {}
    cursor = 0

    def fits(s: Staff, sh: Shift) -> bool:
        if not eligible(s, sh):
            return False
        for other in worked[s.id][-4:]:
            if (
                sh.begins < other.ends + r.min_rest_hours
                and other.begins < sh.ends + r.min_rest_hours
            ):
                return False
        if day_hours[(s.id, sh.day)] + sh.hours > r.max_hours_day:
            return False
        b = block_of[sh.day]
        if week_hours[(s.id, b)] + sh.hours > r.max_hours_week:
            return False
        days = week_days[(s.id, b)]
        return sh.day in days or len(days) + 1 <= max_work_days(blocks[b], r.min_days_off_week)

    for sh in order:
        placed = 0
        tried = 0
        while placed < sh.needed and tried < len(staff):
            s = staff[cursor % len(staff)]
            cursor += 1
            tried += 1
            if fits(s, sh):
                assignments.append((s.id, sh.id))
                worked[s.id].append(sh)
                day_hours[(s.id, sh.day)] += sh.hours
                b = block_of[sh.day]
                week_hours[(s.id, b)] += sh.hours
                week_days[(s.id, b)].add(sh.day)
                placed += 1
        if placed < sh.needed:
            uncovered[sh.id] = sh.needed - placed
    return Solution("ROUND_ROBIN", assignments, uncovered, time.perf_counter() - t0)


# --- the CP-SAT model --------------------------------------------------------------------


def _tenths(h: float) -> int:
    return int(round(h * 10))


def solve(
    problem: Problem, *, seconds: float = 30.0, workers: int = 2, diagnose: bool = True
) -> Solution:
    """The best roster CP-SAT finds within ``seconds``; uncovered places reported, and when
    there are any, the rule that stops them and where (``Solution.conflicts``)."""
    t0 = time.perf_counter()
    sol = _solve(problem, seconds=seconds, workers=workers)
    if sol.uncovered and diagnose:
        sol.conflicts = explain(problem, sol, seconds=max(2.0, seconds / 4), workers=workers)
    sol.seconds = time.perf_counter() - t0
    return sol


def _solve(problem: Problem, *, seconds: float, workers: int) -> Solution:
    r = problem.rules
    shifts = problem.shifts
    shifts_by_id = {sh.id: sh for sh in shifts}
    # groups: identical start, length and kind of person
    group_of: dict[tuple, int] = {}
    members: list[list[Shift]] = []
    for sh in shifts:
        key = (sh.begins, sh.hours, sh.closed_loop, sh.qualification)
        if key not in group_of:
            group_of[key] = len(members)
            members.append([])
        members[group_of[key]].append(sh)
    g_slot: list[tuple[float, float]] = [(m[0].begins, m[0].hours) for m in members]
    g_need = [sum(sh.needed for sh in m) for m in members]
    slots = sorted(set(g_slot))
    slot_index = {s: i for i, s in enumerate(slots)}
    # slot pairs that cannot both be worked: overlap, or too little rest between them
    clash = [
        (i, j)
        for i, a in enumerate(slots)
        for j in range(i + 1, len(slots))
        if slots[j][0] < a[0] + a[1] + r.min_rest_hours
    ]
    blocks = week_blocks(problem.days)
    # start from the round-robin roster: a complete feasible point the solver improves on
    base = round_robin(problem)
    gid = {
        sh.id: group_of[(sh.begins, sh.hours, sh.closed_loop, sh.qualification)] for sh in shifts
    }
    hint_x = {(sid, gid[kid]) for sid, kid in base.assignments}
    hint_slot = {(sid, slot_index[g_slot[gid[kid]]]) for sid, kid in base.assignments}
    day_of = {sh.id: sh.day for sh in shifts}
    hint_day = {(sid, day_of[kid]) for sid, kid in base.assignments}
    model = cp_model.CpModel()
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    by_group: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    keep_terms = []
    hours_of_staff = {}
    able = []
    for s in problem.staff:
        by_slot: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for g, m in enumerate(members):
            sh = m[0]
            if not eligible(s, sh) or sh.hours > r.max_hours_day:
                continue
            v = model.new_bool_var(f"x{s.id}_{g}")
            x[(s.id, g)] = v
            model.add_hint(v, (s.id, g) in hint_x)
            by_group[g].append(v)
            by_slot[slot_index[g_slot[g]]].append(v)
            w = max((problem.prefer.get((s.id, k.id), 0) for k in m), default=0)
            if w:
                keep_terms.append(w * v)
        if not by_slot:
            continue
        able.append(s.id)
        y = {}
        for t, vs in by_slot.items():
            if len(vs) == 1:
                y[t] = vs[0]
            else:
                yt = model.new_bool_var(f"y{s.id}_{t}")
                model.add(sum(vs) == yt)
                model.add_hint(yt, (s.id, t) in hint_slot)
                y[t] = yt
        for i, j in clash:
            if i in y and j in y:
                model.add_bool_or([y[i].Not(), y[j].Not()])
        day_slots: dict[int, list[int]] = defaultdict(list)
        for t in y:
            day_slots[int(slots[t][0] // 24)].append(t)
        works = {}
        for d, ts in day_slots.items():
            load = sum(_tenths(slots[t][1]) * y[t] for t in ts)
            if sum(_tenths(slots[t][1]) for t in ts) > _tenths(r.max_hours_day):
                model.add(load <= _tenths(r.max_hours_day))
            if len(ts) == 1:
                works[d] = y[ts[0]]
            else:
                wd = model.new_bool_var(f"w{s.id}_{d}")
                model.add_hint(wd, (s.id, d) in hint_day)
                for t in ts:
                    model.add_implication(y[t], wd)
                works[d] = wd
        for block in blocks:
            ts = [t for d in block for t in day_slots.get(d, [])]
            if not ts:
                continue
            model.add(sum(_tenths(slots[t][1]) * y[t] for t in ts) <= _tenths(r.max_hours_week))
            wds = [works[d] for d in block if d in works]
            limit = max_work_days(block, r.min_days_off_week)
            if len(wds) > limit:
                model.add(sum(wds) <= limit)
        hours_of_staff[s.id] = sum(_tenths(slots[t][1]) * y[t] for t in y)
    slack = []
    base_cover: dict[int, int] = defaultdict(int)
    for _sid, kid in base.assignments:
        base_cover[gid[kid]] += 1
    for g, need in enumerate(g_need):
        u = model.new_int_var(0, need, f"u{g}")
        model.add_hint(u, need - base_cover[g])
        slack.append(u)
        model.add(sum(by_group[g]) + u == need)
    top = _tenths(r.max_hours_week) * len(blocks)
    hmax = model.new_int_var(0, top, "hmax")
    hmin = model.new_int_var(0, top, "hmin")
    for h in hours_of_staff.values():
        model.add(h <= hmax)
        model.add(h >= hmin)
    base_hours: dict[int, int] = defaultdict(int)
    for sid, kid in base.assignments:
        base_hours[sid] += _tenths(shifts_by_id[kid].hours)
    if hours_of_staff:
        model.add_hint(hmax, max(base_hours.get(i, 0) for i in hours_of_staff))
        model.add_hint(hmin, min(base_hours.get(i, 0) for i in hours_of_staff))
    model.minimize(100_000 * sum(slack) + 20 * (hmax - hmin) - sum(keep_terms))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = workers
    status = solver.solve(model)
    name = solver.status_name(status)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        # no solution within the time: the round-robin roster (it keeps every rule too)
        return Solution(f"{name}_ROUND_ROBIN", base.assignments, base.uncovered)
    # hand each group's people to its posts, keeping last week's post where possible
    assignments: list[tuple[int, int]] = []
    uncovered: dict[int, int] = {}
    chosen: dict[int, list[int]] = defaultdict(list)
    for (sid, g), v in x.items():
        if solver.boolean_value(v):
            chosen[g].append(sid)
    for g, m in enumerate(members):
        people = chosen[g]
        left = {sh.id: sh.needed for sh in m}
        rest = []
        for sid in people:
            pref = [sh for sh in m if left[sh.id] and problem.prefer.get((sid, sh.id))]
            if pref:
                best = max(pref, key=lambda sh: problem.prefer[(sid, sh.id)])
                left[best.id] -= 1
                assignments.append((sid, best.id))
            else:
                rest.append(sid)
        for sh in m:
            while left[sh.id] and rest:
                assignments.append((rest.pop(), sh.id))
                left[sh.id] -= 1
            if left[sh.id]:
                uncovered[sh.id] = left[sh.id]
    return Solution(name, assignments, uncovered)


def explain(problem: Problem, sol: Solution, *, seconds: float, workers: int) -> list[Conflict]:
    """Which rule keeps places uncovered, and where: first what no roster can change (no
    one eligible, a shift longer than a day's hours), then each numeric rule relaxed in
    turn — the rule whose relaxation covers places is named with those places."""
    shifts = {sh.id: sh for sh in problem.shifts}
    out: list[Conflict] = []
    left = dict(sol.uncovered)
    by_rule: dict[str, list[str]] = defaultdict(list)
    for kid in list(left):
        sh = shifts[kid]
        if sh.hours > problem.rules.max_hours_day:
            by_rule["max_hours_day"].append(sh.where)
            left.pop(kid)
            continue
        pool = [s for s in problem.staff if s.closed_loop == sh.closed_loop]
        if not pool:
            by_rule["closed_loop"].append(sh.where)
            left.pop(kid)
        elif sh.qualification and not any(sh.qualification in s.quals for s in pool):
            by_rule["qualification"].append(sh.where)
            left.pop(kid)
    for rule, where in by_rule.items():
        out.append(Conflict(rule, where))
    if not left:
        return out
    r = problem.rules
    relaxed = {
        "max_hours_week": replace(r, max_hours_week=24 * 7),
        "min_days_off_week": replace(r, min_days_off_week=0),
        "min_rest_hours": replace(r, min_rest_hours=0),
        "max_hours_day": replace(r, max_hours_day=24),
    }
    deadline = time.perf_counter() + 4 * seconds
    for rule, rules in relaxed.items():
        if getattr(rules, rule) == getattr(r, rule):
            continue
        if time.perf_counter() > deadline:  # out of time: name what was found so far
            break
        trial = _solve(replace(problem, rules=rules, prefer={}), seconds=seconds, workers=workers)
        freed = [shifts[k].where for k in left if trial.uncovered.get(k, 0) < left[k]]
        if freed:
            out.append(Conflict(rule, freed))
    if len(out) == len(by_rule):  # no single rule: the pool is too small for the posts
        out.append(Conflict("staff_too_few", [shifts[k].where for k in left]))
    return out
