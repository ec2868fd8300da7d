"""An independent check of a plan: every hard rule, recomputed from the problem, never on
the solver's word. Returns the broken rules as (code, detail) pairs; empty means valid.
Lateness is no broken rule (a late transfer beats none): ``late`` lists it."""

from __future__ import annotations

from collections import Counter, defaultdict

from fangkong.transfers.planner.model import HOME, HOSPITAL, SITE, Problem, Solution


def validate(problem: Problem, sol: Solution) -> list[tuple[str, str]]:
    p, dur = problem.params, problem.dur
    errors: list[tuple[str, str]] = []
    req = {r.id: r for r in problem.requests}
    room = {r.id: r for r in problem.rooms}
    site_point = {s.id: s.point for s in problem.sites}
    hosp_point = {h.id: h.point for h in problem.hospitals}
    veh = {v.id: v for v in problem.vehicles}

    def bad(code: str, detail: str) -> None:
        errors.append((code, detail))

    carried = Counter(rid for t in sol.trips for rid, _ in t.stops)
    for rid, n in carried.items():
        if n > 1:
            bad("carried_twice", f"request {rid} is on {n} trips")
    for rid in req:
        if (rid in carried) == (rid in sol.left):
            bad("planned_or_left", f"request {rid} must be either on a trip or left with a reason")
    used = Counter(sol.rooms.values())
    for room_id, n in used.items():
        if n > 1:
            bad("room_shared", f"room {room_id} given to {n} requests")
        if room_id not in room:
            bad("room_not_ready", f"room {room_id} was not among the ready rooms")
    for rid, room_id in sol.rooms.items():
        r, rm = req[rid], room.get(room_id)
        if rm is None:
            continue
        if rm.beds < r.persons:
            bad(
                "room_too_small",
                f"request {rid}: {r.persons} persons, room {room_id} {rm.beds} beds",
            )
        if r.accessible and not rm.accessible:
            bad("not_accessible", f"request {rid} needs an accessible room")
        if sol.sites.get(rid) != rm.site:
            bad("room_elsewhere", f"request {rid}: room {room_id} is not at its site")
    for t in sol.trips:
        v = veh.get(t.vehicle)
        if v is None:
            bad("no_vehicle", f"trip on unknown vehicle {t.vehicle}")
            continue
        load = sum(req[rid].persons for rid, _ in t.stops if rid in req)
        if load > v.seats:
            bad("over_capacity", f"vehicle {v.id} trip {t.seq}: {load} persons, {v.seats} seats")
        kinds = {req[rid].positive for rid, _ in t.stops if rid in req}
        if len(kinds) > 1:
            bad("positive_with_negative", f"vehicle {v.id} trip {t.seq} mixes positives and others")
        if True in kinds and not v.ambulance:
            bad(
                "positive_not_ambulance",
                f"vehicle {v.id} carries positives without negative pressure",
            )
        for rid, _ in t.stops:
            rq = req.get(rid)
            if rq is None:
                continue
            if t.dest_kind == SITE and (not rq.to_room or sol.sites.get(rid) != t.dest):
                bad("wrong_destination", f"request {rid} is not going to site {t.dest}")
            if t.dest_kind == SITE and rid not in sol.rooms:
                bad("no_reserved_bed", f"request {rid} travels without a room")
            if t.dest_kind == HOSPITAL and not rq.positive:
                bad("wrong_destination", f"request {rid} is no positive but goes to hospital")
            if t.dest_kind == HOME and rq.origin_site != t.dest:
                bad("wrong_destination", f"request {rid} does not leave from site {t.dest}")
        dest = (hosp_point if t.dest_kind == HOSPITAL else site_point).get(t.dest)
        if dest is None:
            bad("no_destination", f"trip to unknown {t.dest_kind} {t.dest}")
            continue
        # times: recomputed along the stops (never earlier than the road allows)
        prev_at, here = None, None
        if t.dest_kind == HOME:
            prev_at, here = t.start + p.board_s, dest
        for rid, at in t.stops:
            stop_req = req.get(rid)
            if stop_req is None:
                continue
            if (
                here is not None
                and prev_at is not None
                and at < prev_at + dur[here][stop_req.point]
            ):
                bad("too_fast", f"vehicle {v.id} trip {t.seq} reaches request {rid} too early")
            prev_at, here = at + p.board_s, stop_req.point
        if (
            t.dest_kind != HOME
            and here is not None
            and prev_at is not None
            and t.end < prev_at + dur[here][dest]
        ):
            bad("too_fast", f"vehicle {v.id} trip {t.seq} reaches its destination too early")
        if t.end > v.shift_end:
            bad("over_shift", f"vehicle {v.id} trip {t.seq} ends after the shift")
    by_vehicle = defaultdict(list)
    for t in sol.trips:
        by_vehicle[t.vehicle].append(t)
    for vid, trips in by_vehicle.items():
        trips.sort(key=lambda t: t.start)
        for a, b in zip(trips, trips[1:], strict=False):
            if b.start < a.end + p.unload_s + p.disinfect_s:
                bad(
                    "no_disinfection",
                    f"vehicle {vid} starts trip {b.seq} before trip {a.seq} is disinfected",
                )
    return errors


def late(problem: Problem, sol: Solution) -> dict[int, int]:
    """Requests arriving after their deadline: request -> seconds late."""
    req = {r.id: r for r in problem.requests}
    return {
        rid: at - req[rid].deadline
        for rid, at in sol.arrival().items()
        if rid in req and at > req[rid].deadline
    }
