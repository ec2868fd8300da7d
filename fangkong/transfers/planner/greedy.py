"""The baseline a dispatcher with a whiteboard would reach: each request, earliest
deadline first, to the nearest site with a fitting ready room; requests for the same site
fill the first free vehicle in deadline order; positives by ambulance to the nearest
hospital. Used by the benchmark to show what the planner is worth."""

from __future__ import annotations

from fangkong.transfers.planner import routing
from fangkong.transfers.planner.model import (
    HOSPITAL,
    NO_BEDS_LEFT,
    NO_HOSPITAL,
    SITE,
    Problem,
    Solution,
)


def plan(problem: Problem) -> Solution:
    sol = Solution()
    by_id = {r.id: r for r in problem.requests}
    free = sorted(problem.rooms, key=lambda r: (r.beds, r.id))
    site_point = {s.id: s.point for s in problem.sites}
    batches: dict[tuple[str, int, bool], list[list[int]]] = {}
    cap = max((v.seats for v in problem.vehicles if not v.ambulance), default=1)
    amb = max((v.seats for v in problem.vehicles if v.ambulance), default=1)
    for r in sorted(problem.requests, key=lambda r: (r.deadline, r.id)):
        if r.positive:
            if not problem.hospitals:
                sol.left[r.id] = NO_HOSPITAL
                continue
            h = min(problem.hospitals, key=lambda h: problem.dur[r.point][h.point])
            sol.hospitals[r.id] = h.id
            key, size = (HOSPITAL, h.id, True), amb
        else:
            fitting = [
                m for m in free if m.beds >= r.persons and (m.accessible or not r.accessible)
            ]
            if not fitting:
                sol.left[r.id] = NO_BEDS_LEFT
                continue
            room = min(fitting, key=lambda m: (problem.dur[r.point][site_point[m.site]], m.beds))
            free.remove(room)
            sol.rooms[r.id], sol.sites[r.id] = room.id, room.site
            key, size = (SITE, room.site, False), cap
        routes = batches.setdefault(key, [[]])
        if sum(by_id[x].persons for x in routes[-1]) + r.persons > size:
            routes.append([])
        routes[-1].append(r.id)
    items = []
    for (kind, dest, positive), routes in batches.items():
        point = (
            site_point[dest]
            if kind == SITE
            else next(h.point for h in problem.hospitals if h.id == dest)
        )
        g = routing.Group(kind, dest, point, positive, [])
        items += [(g, route) for route in routes if route]
    # first vehicle free, not the best one: order of the fleet list
    trips, left = _first_vehicle(problem, items, by_id)
    sol.trips = trips
    sol.left.update(left)
    for rid in left:
        sol.rooms.pop(rid, None)
        sol.sites.pop(rid, None)
        sol.hospitals.pop(rid, None)
    return sol


def _first_vehicle(problem, items, by_id):
    p = problem.params
    state = {v.id: (v.ready_at, v.point) for v in problem.vehicles}
    seq: dict[int, int] = {}
    trips, left = [], {}
    for g, route in sorted(items, key=lambda it: min(by_id[r].deadline for r in it[1])):
        load = sum(by_id[r].persons for r in route)
        chosen = None
        for v in sorted(problem.vehicles, key=lambda v: (state[v.id][0], v.id)):
            if v.seats < load or (g.positive and not v.ambulance):
                continue
            ready, point = state[v.id]
            probe = routing.Vehicle(v.id, v.seats, v.ambulance, point, ready, v.shift_end)
            stops, end = routing.timed(problem, probe, g, route, by_id, ready)
            if end <= v.shift_end:
                chosen = (v, ready, stops, end)
                break
        if chosen is None:
            for r in route:
                left[r] = routing.NO_SHIFT_LEFT
            continue
        v, ready, stops, end = chosen
        seq[v.id] = seq.get(v.id, 0) + 1
        trips.append(
            routing.PTrip(v.id, g.dest_kind, g.dest, g.positive, stops, ready, end, load, seq[v.id])
        )
        state[v.id] = (end + p.unload_s + p.disinfect_s, routing.end_point(g, route, by_id))
    return trips, left
