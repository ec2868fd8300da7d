"""Transfers: a county day planned and validated, against a greedy baseline; the board.

    python -m bench transfers [--requests 600 --persons 1500 --vehicles 40 --sites 30
                               --rooms 3000 --seconds 40]

1. The planner over a synthetic county day (requests around the county's townships, sites
   and depots on the map, travel times from the embedded estimate): rooms by min-cost
   flow, routes by PyVRP, vehicles scheduled; checked by the independent validator (every
   hard rule) — target < 60 s, 0 broken rules. Beside it the greedy baseline (nearest site
   with a fitting room, first free vehicle), and the ratios: vehicle-hours per person
   moved, the latest arrival, persons moved, late arrivals.
2. The dispatch board of that plan (40 vehicles, every trip and stop) rendered by the full
   Django stack from a fresh database, median of 20 — target < 200 ms; its ratio to the
   raw database running the board's three queries.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import fresh_database, load_average, report  # noqa: E402


def plan_day(args) -> tuple:
    from fangkong.transfers.planner import core, greedy, synthetic, validate
    from fangkong.transfers.planner.model import Params

    began = time.perf_counter()
    problem = synthetic.county_day(
        requests=args.requests, persons=args.persons, vehicles=args.vehicles, sites=args.sites,
        rooms=args.rooms, params=Params(seconds=args.seconds), seed=args.seed,
    )  # fmt: skip
    matrix = time.perf_counter() - began
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sol = core.plan(problem)
    total = time.perf_counter() - began
    broken = validate.validate(problem, sol)
    g0 = time.perf_counter()
    base = greedy.plan(problem)
    gtime = time.perf_counter() - g0
    base_broken = validate.validate(problem, base)
    persons = {r.id: r.persons for r in problem.requests}

    def stats(s):
        arr = s.arrival()
        moved = sum(persons[r] for r in arr)
        return {
            "moved": moved, "requests": len(arr), "vh": s.vehicle_seconds() / 3600,
            "latest": max(arr.values()) / 3600 if arr else 0.0,
            "late": len(validate.late(problem, s)), "left": len(s.left),
        }  # fmt: skip

    ours, theirs = stats(sol), stats(base)
    print(f"transfers: county day {args.requests} requests / {sum(persons.values())} persons, "
          f"{args.vehicles} vehicles, {args.sites} sites, {args.rooms} ready rooms; "
          f"load {load_average()}")  # fmt: skip
    print(f"  travel-time matrix ({len(problem.points)} points, estimate) {matrix:.1f} s")
    report("plan a county day (matrix + rooms + routes)", total, gtime, "s", "< 60 s")
    print(f"  validator: {len(broken)} broken rules (greedy: {len(base_broken)})")
    for key, label in (("moved", "persons moved"), ("requests", "requests planned"),
                       ("left", "requests left (with reasons)"), ("late", "late arrivals"),
                       ("vh", "vehicle-hours"), ("latest", "latest arrival, h")):  # fmt: skip
        print(f"  {label:<30} planner {ours[key]:>8.1f}   greedy {theirs[key]:>8.1f}")
    vhp = (ours["vh"] / ours["moved"]) / (theirs["vh"] / theirs["moved"]) if theirs["moved"] else 0
    print(f"  ratio planner/greedy: vehicle-hours {ours['vh'] / theirs['vh']:.2f}x, "
          f"vehicle-hours per person moved {vhp:.2f}x, latest arrival "
          f"{ours['latest'] / theirs['latest']:.2f}x, persons moved "
          f"{ours['moved'] / max(theirs['moved'], 1):.2f}x")  # fmt: skip
    return problem, sol


def board(problem, sol, repeat: int = 20) -> None:
    import datetime as dt

    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from fangkong.areas.services import ensure_county
    from fangkong.core import pii
    from fangkong.core.roles import Role
    from fangkong.core.services.users import create_user
    from fangkong.transfers.choices import PlanStatus, TransferKind, VehicleKind
    from fangkong.transfers.models import Depot, Plan, Stop, TransferRequest, Trip, Vehicle

    pii.set_keyring(pii.Keyring.generate())
    county = ensure_county()
    user = create_user(by=None, username="bench", password="bench-pass-123", roles=[Role.TRANSFER_DISPATCHER], areas=[county], display_name="b")  # fmt: skip
    now = timezone.now()
    depot = Depot.objects.create(name="d", area=county, lat=28.84, lon=108.77)
    vehicles = {
        v.id: Vehicle.objects.create(
            plate=f"B{v.id:04d}",
            kind=VehicleKind.AMBULANCE if v.ambulance else VehicleKind.VAN,
            seats=v.seats,
            depot=depot,
        )  # fmt: skip
        for v in problem.vehicles
    }
    reqs = TransferRequest.objects.bulk_create(
        TransferRequest(
            area=county, kind=TransferKind.CLOSE_CONTACT, deadline=now, lat=28.8, lon=108.7
        )
        for _ in problem.requests
    )
    rid = {r.id: reqs[i].pk for i, r in enumerate(problem.requests)}
    persons = {r.id: r.persons for r in problem.requests}
    plan = Plan.objects.create(area=county, status=PlanStatus.PROPOSED, start_at=now)
    stops = []
    for t in sol.trips:
        trip = Trip.objects.create(plan=plan, area=county, vehicle=vehicles[t.vehicle], seq=t.seq,
                                   positive=t.positive, start_at=now + dt.timedelta(seconds=t.start),
                                   end_at=now + dt.timedelta(seconds=t.end))  # fmt: skip
        stops += [Stop(trip=trip, seq=i, request_id=rid[r], eta=now + dt.timedelta(seconds=at), persons=persons[r])
                  for i, (r, at) in enumerate(t.stops, start=1)]  # fmt: skip
    Stop.objects.bulk_create(stops)
    c = Client()
    c.force_login(user)
    url = f"/transfers/plans/{plan.pk}/"
    assert c.get(url).status_code == 200
    from bench.common import cpu_seconds

    times, cpus = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), cpu_seconds()
        resp = c.get(url)
        times.append(time.perf_counter() - t0)
        cpus.append(cpu_seconds() - c0)
        assert resp.status_code == 200
    raw = []
    sqls = [
        "SELECT t.*, v.* FROM transfers_trip t JOIN transfers_vehicle v ON v.id = t.vehicle_id WHERE t.plan_id = %s ORDER BY v.plate, t.seq",
        "SELECT s.*, r.*, a.* FROM transfers_stop s JOIN transfers_trip t ON t.id = s.trip_id JOIN transfers_transferrequest r ON r.id = s.request_id JOIN areas_area a ON a.id = r.area_id WHERE t.plan_id = %s ORDER BY s.seq",
        "SELECT * FROM transfers_plan WHERE id = %s",
    ]  # fmt: skip
    for _ in range(repeat):
        t0 = time.perf_counter()
        with connection.cursor() as cur:
            for sql in sqls:
                cur.execute(sql, [plan.pk])
                cur.fetchall()
        raw.append(time.perf_counter() - t0)
    print(
        f"  board: {len(sol.trips)} trips, {len(stops)} stops, {len(vehicles)} vehicles; "
        f"this process's CPU per render, median {statistics.median(cpus) * 1000:.0f} ms"
    )
    report(
        "dispatch board render, median",
        statistics.median(times) * 1000,
        statistics.median(raw) * 1000,
        "ms",
        "< 200 ms",
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=600)
    ap.add_argument("--persons", type=int, default=1500)
    ap.add_argument("--vehicles", type=int, default=40)
    ap.add_argument("--sites", type=int, default=30)
    ap.add_argument("--rooms", type=int, default=3000)
    ap.add_argument("--seconds", type=float, default=40.0, help="solver time for all routing")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    with fresh_database():
        problem, sol = plan_day(args)
        board(problem, sol)


if __name__ == "__main__":
    main()
