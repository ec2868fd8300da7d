"""Vehicle routes: PyVRP per destination, then the trips laid onto real vehicles.

PyVRP has no client-to-client pick-up and delivery: everything goes through depots. A
transfer trip ends at one destination (a site or a hospital; going home it starts at the
site), so each destination is solved as its own problem with the destination as the depot
and the pick-ups as clients (capacity = seats, time windows from the deadlines, a trip no
longer than ``max_trip_s``, a fixed cost per trip worth one disinfection). Positives form
their own groups, solved with ambulances only: they never share a vehicle or a trip with
anyone else. The trips found are then laid onto the vehicles, most urgent first, each on
the vehicle that gets it there soonest (from wherever its previous trip ended, after the
disinfection every trip is followed by), within the vehicle's shift: several trips per
vehicle. ``core`` runs both steps; ``validate`` checks the result independently.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pyvrp
from pyvrp.stop import MaxRuntime

from fangkong.transfers.planner.model import (
    HOME,
    NO_SHIFT_LEFT,
    NO_VEHICLE_FITS,
    Problem,
    PTrip,
    Req,
    Vehicle,
)

TRIPS_PER_VEHICLE = 4


@dataclass
class Group:
    dest_kind: str
    dest: int
    point: int
    positive: bool
    requests: list[Req]


def solve_group(problem: Problem, g: Group, seconds: float) -> tuple[list[list[int]], list[int]]:
    """Routes (lists of request ids, in visiting order) for one group, and the requests
    no vehicle can carry (too many persons for any seat count)."""
    p = problem.params
    fleet = [v for v in problem.vehicles if v.ambulance] if g.positive else problem.vehicles
    caps = sorted({v.seats for v in fleet})
    if not caps:
        return [], [r.id for r in g.requests]
    biggest = caps[-1]
    too_big = [r.id for r in g.requests if r.persons > biggest]
    reqs = [r for r in g.requests if r.persons <= biggest]
    if not reqs:
        return [], too_big
    count: dict[int, int] = defaultdict(int)
    for v in fleet:
        count[v.seats] += 1
    m = pyvrp.Model()
    pts = [g.point, *(r.point for r in reqs)]
    locs = [m.add_location(x=float(i), y=0.0) for i in range(len(pts))]
    depot = m.add_depot(locs[0])
    for cap in caps:
        m.add_vehicle_type(
            num_available=count[cap] * TRIPS_PER_VEHICLE,
            capacity=[cap],
            start_depot=depot,
            end_depot=depot,
            fixed_cost=p.disinfect_s + p.unload_s,
            shift_duration=p.max_trip_s,
            # a bigger vehicle costs a little more to run: small groups take small ones
            unit_distance_cost=1,
            name=str(cap),
        )
    for i, r in enumerate(reqs, start=1):
        back = problem.dur[r.point][g.point]
        if g.dest_kind == HOME:  # dropped at home: the deadline is at the door
            late = r.deadline
            m.add_client(
                locs[i],
                delivery=[r.persons],
                service_duration=p.board_s,
                tw_late=max(late, problem.dur[g.point][r.point]),
            )
        else:
            late = r.deadline - back - p.unload_s - p.board_s
            m.add_client(
                locs[i],
                pickup=[r.persons],
                service_duration=p.board_s,
                tw_late=max(late, problem.dur[g.point][r.point]),
            )
    for i, a in enumerate(pts):
        for j, b in enumerate(pts):
            if i != j:
                d = problem.dur[a][b]
                m.add_edge(locs[i], locs[j], distance=d, duration=d)
    res = m.solve(MaxRuntime(seconds), seed=p.seed, display=False)
    routes: list[list[int]] = []
    for route in res.best.routes():
        ids = [reqs[a.idx].id for a in route.schedule() if a.is_client()]
        if ids:
            routes.append(ids)
    seen = {rid for r in routes for rid in r}
    too_big += [r.id for r in reqs if r.id not in seen]  # unrouted (should not happen)
    return routes, too_big


def timed(
    problem: Problem, v: Vehicle, g: Group, route: list[int], by_id: dict[int, Req], start: int
) -> tuple[list[tuple[int, int]], int]:
    """Times along ``route`` for vehicle ``v`` leaving its present place at ``start``:
    (request, time reached) per stop and the arrival at the destination (HOME: the last
    door)."""
    p, dur = problem.params, problem.dur
    t, here, stops = start, v.point, []
    if g.dest_kind == HOME:  # to the site first, everyone boards there
        t += dur[here][g.point] + p.board_s
        here = g.point
        for rid in route:
            r = by_id[rid]
            t += dur[here][r.point]
            stops.append((rid, t))
            t += p.board_s
            here = r.point
        return stops, t - p.board_s
    for rid in route:
        r = by_id[rid]
        t += dur[here][r.point]
        stops.append((rid, t))
        t += p.board_s
        here = r.point
    return stops, t + dur[here][g.point]


def end_point(g: Group, route: list[int], by_id: dict[int, Req]) -> int:
    return by_id[route[-1]].point if g.dest_kind == HOME else g.point


def schedule(
    problem: Problem, items: list[tuple[Group, list[int]]], by_id: dict[int, Req]
) -> tuple[list[PTrip], dict[int, str]]:
    """Lay the trips on vehicles, most urgent first (see the module's doc)."""
    p = problem.params
    state = {v.id: (v.ready_at, v.point) for v in problem.vehicles}
    seq: dict[int, int] = defaultdict(int)
    for t in problem.locked:  # locked trips stay; their vehicles continue after them
        seq[t.vehicle] = max(seq[t.vehicle], t.seq)
        ready, _ = state[t.vehicle]
        if t.end + p.unload_s + p.disinfect_s > ready:
            last = (
                by_id[t.stops[-1][0]].point
                if t.dest_kind == HOME and t.stops and t.stops[-1][0] in by_id
                else None
            )
            state[t.vehicle] = (
                t.end + p.unload_s + p.disinfect_s,
                last if last is not None else state[t.vehicle][1],
            )
    trips: list[PTrip] = []
    left: dict[int, str] = {}
    order = sorted(items, key=lambda it: (min(by_id[r].deadline for r in it[1]), -len(it[1])))
    order.reverse()  # a stack: the most urgent on top; split routes go back on it
    while order:
        g, route = order.pop()
        load = sum(by_id[r].persons for r in route)
        best = None
        for v in problem.vehicles:
            if v.seats < load or (g.positive and not v.ambulance):
                continue
            ready, point = state[v.id]
            probe = Vehicle(v.id, v.seats, v.ambulance, point, ready, v.shift_end)
            stops, end = timed(problem, probe, g, route, by_id, ready)
            if end > v.shift_end:
                continue
            late = sum(
                max(0, (at if g.dest_kind == HOME else end) - by_id[r].deadline) for r, at in stops
            )
            key = (late, end + (1800 if v.ambulance and not g.positive else 0), v.seats, v.id)
            if best is None or key < best[0]:
                best = (key, v, ready, stops, end)
        if best is None and len(route) > 1:  # two smaller trips may fit where one did not
            half = len(route) // 2
            order += [(g, route[half:]), (g, route[:half])]
            continue
        if best is None:
            fits = any(
                v.seats >= load and (v.ambulance or not g.positive) for v in problem.vehicles
            )
            for r in route:
                left[r] = NO_SHIFT_LEFT if fits else NO_VEHICLE_FITS
            continue
        _key, v, ready, stops, end = best
        seq[v.id] += 1
        trips.append(
            PTrip(v.id, g.dest_kind, g.dest, g.positive, stops, ready, end, load, seq[v.id])
        )
        state[v.id] = (end + p.unload_s + p.disinfect_s, end_point(g, route, by_id))
    return trips, left
