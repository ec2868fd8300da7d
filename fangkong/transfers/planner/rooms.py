"""Rooms for the requests going to isolation: a min-cost flow (OR-Tools).

One request (a person or a whole household: they share a room, children with their
parent, dependants with their carer) takes one ready room with at least as many beds and,
when needed, an accessible one. Rooms are grouped in classes (site, beds, accessible) so
the graph is requests × classes, not requests × rooms; the cost of a request's arc is the
drive to the site (site preference by distance) plus the beds it would leave empty, so
family rooms are kept for families; a request's arc to "left out" costs more than any
room, more for an urgent or early one, so the flow houses as many, and the most urgent,
as the ready rooms allow. Then each class's rooms are handed out in order.
"""

from __future__ import annotations

from collections import defaultdict

from ortools.graph.python import min_cost_flow  # type: ignore[import-untyped]

from fangkong.transfers.planner.model import NO_BEDS_LEFT, NO_ROOM_FITS, Problem, Req

EMPTY_BED_COST = 600  # seconds of driving one idle bed is worth
LEFT_COST = 10_000_000


def allocate(problem: Problem, requests: list[Req]) -> tuple[dict[int, int], dict[int, str]]:
    """request id -> room id, and request id -> why left out."""
    if not requests:
        return {}, {}
    site_point = {s.id: s.point for s in problem.sites}
    classes: dict[tuple[int, int, bool], list[int]] = defaultdict(list)
    fixed = set(problem.fixed_rooms.values())
    for room in sorted(problem.rooms, key=lambda r: r.id):
        if room.site in site_point and room.id not in fixed:
            classes[(room.site, room.beds, room.accessible)].append(room.id)
    keys = list(classes)
    flow = min_cost_flow.SimpleMinCostFlow()
    n = len(requests)
    source, sink, left = 0, 1, 2
    req_node = {r.id: 3 + i for i, r in enumerate(requests)}
    cls_node = {k: 3 + n + j for j, k in enumerate(keys)}
    latest = max(r.deadline for r in requests)
    arcs: dict[int, tuple[int, tuple[int, int, bool] | None]] = {}
    left_reason: dict[int, str] = {}
    for r in requests:
        node = req_node[r.id]
        flow.add_arc_with_capacity_and_unit_cost(source, node, 1, 0)
        fits = False
        for k in keys:
            site, beds, acc = k
            if beds < r.persons or (r.accessible and not acc):
                continue
            fits = True
            cost = problem.dur[r.point][site_point[site]] + (beds - r.persons) * EMPTY_BED_COST
            a = flow.add_arc_with_capacity_and_unit_cost(node, cls_node[k], 1, cost)
            arcs[a] = (r.id, k)
        if not fits:
            left_reason[r.id] = NO_ROOM_FITS
        # urgent and early requests are the dearest to leave out
        penalty = LEFT_COST * (4 - min(r.priority, 3)) + (latest - r.deadline)
        a = flow.add_arc_with_capacity_and_unit_cost(node, left, 1, penalty)
        arcs[a] = (r.id, None)
    for k in keys:
        flow.add_arc_with_capacity_and_unit_cost(cls_node[k], sink, len(classes[k]), 0)
    flow.add_arc_with_capacity_and_unit_cost(left, sink, n, 0)
    flow.set_node_supply(source, n)
    flow.set_node_supply(sink, -n)
    status = flow.solve()
    if status != flow.OPTIMAL:  # cannot happen: the "left" arcs always balance it
        raise RuntimeError(f"room allocation failed: {status}")
    rooms: dict[int, int] = {}
    taken: dict[tuple[int, int, bool], int] = defaultdict(int)
    for a, (rid, chosen) in sorted(arcs.items()):
        if flow.flow(a) <= 0:
            continue
        if chosen is None:
            left_reason.setdefault(rid, NO_BEDS_LEFT)
        else:
            rooms[rid] = classes[chosen][taken[chosen]]
            taken[chosen] += 1
    return rooms, {rid: why for rid, why in left_reason.items() if rid not in rooms}
