"""The planner: rooms (``rooms.allocate``), then routes and vehicles (``routing``), over
all open requests; what cannot be planned is left with its reason (a partial plan)."""

from __future__ import annotations

import time
from collections import defaultdict

from fangkong.transfers.planner import rooms as room_alloc
from fangkong.transfers.planner import routing
from fangkong.transfers.planner.model import (
    HOME,
    HOSPITAL,
    NO_HOSPITAL,
    NO_ORIGIN,
    SITE,
    Problem,
    Solution,
)


def plan(problem: Problem) -> Solution:
    began = time.perf_counter()
    sol = Solution()
    locked_ids = {rid for t in problem.locked for rid, _ in t.stops}
    todo = [r for r in problem.requests if r.id not in locked_ids]
    by_id = {r.id: r for r in problem.requests}
    room_site = {room.id: room.site for room in problem.rooms}
    site_point = {s.id: s.point for s in problem.sites}
    groups: dict[tuple[str, int, bool], routing.Group] = {}

    def group(kind: str, dest: int, point: int, positive: bool) -> routing.Group:
        key = (kind, dest, positive)
        if key not in groups:
            groups[key] = routing.Group(kind, dest, point, positive, [])
        return groups[key]

    to_room = [r for r in todo if r.to_room and not r.positive]
    for rid, room_id in problem.fixed_rooms.items():  # the locked trips' rooms stay theirs
        sol.rooms[rid], sol.sites[rid] = room_id, room_site[room_id]
    rooms, left = room_alloc.allocate(problem, to_room)
    sol.left.update(left)
    for r in to_room:
        if r.id in rooms:
            site = room_site[rooms[r.id]]
            sol.rooms[r.id], sol.sites[r.id] = rooms[r.id], site
            group(SITE, site, site_point[site], False).requests.append(r)
    for r in todo:
        if r.positive:
            if not problem.hospitals:
                sol.left[r.id] = NO_HOSPITAL
                continue
            h = min(problem.hospitals, key=lambda h: (problem.dur[r.point][h.point], h.id))
            sol.hospitals[r.id] = h.id
            group(HOSPITAL, h.id, h.point, True).requests.append(r)
        elif not r.to_room:
            if r.origin_site is None or r.origin_site not in site_point:
                sol.left[r.id] = NO_ORIGIN
                continue
            sol.sites[r.id] = r.origin_site
            group(HOME, r.origin_site, site_point[r.origin_site], False).requests.append(r)
    total = sum(len(g.requests) for g in groups.values()) or 1
    items: list[tuple[routing.Group, list[int]]] = []
    for g in groups.values():
        share = max(0.05, problem.params.seconds * len(g.requests) / total)
        routes, cannot = routing.solve_group(problem, g, share)
        for rid in cannot:
            sol.left[rid] = routing.NO_VEHICLE_FITS
        items += [(g, route) for route in routes]
    trips, unscheduled = routing.schedule(problem, items, by_id)
    sol.left.update(unscheduled)
    for rid in sol.left:
        sol.rooms.pop(rid, None)
        sol.sites.pop(rid, None)
        sol.hospitals.pop(rid, None)
    sol.trips = [*problem.locked, *trips]
    by_vehicle: dict[int, list] = defaultdict(list)
    for t in sol.trips:
        by_vehicle[t.vehicle].append(t)
    sol.seconds = time.perf_counter() - began
    return sol
