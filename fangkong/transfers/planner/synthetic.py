"""A synthetic county day for tests and the benchmark: requests around 酉阳's townships,
sites and depots on the county's map, a fleet; deterministic from ``seed``."""

from __future__ import annotations

import random

from fangkong.transfers.choices import TransferKind
from fangkong.transfers.geo import EstimateRouter, Point
from fangkong.transfers.planner.model import Dest, Params, Problem, Req, Room, Vehicle

CENTRE = (28.84, 108.77)
# ~5,170 km²: about 72 km across; a point within ~40 km of the centre
SPAN_DEG = (0.33, 0.37)


def _near(rng: random.Random, lat: float, lon: float, spread: float) -> tuple[float, float]:
    return lat + rng.uniform(-spread, spread), lon + rng.uniform(-spread, spread)


def county_day(
    *,
    requests: int = 600,
    persons: int = 1500,
    vehicles: int = 40,
    sites: int = 30,
    rooms: int = 3000,
    positives: float = 0.05,
    seed: int = 0,
    params: Params | None = None,
    hours: int = 12,
) -> Problem:
    rng = random.Random(seed)
    points: list[Point] = []

    def add(lat: float, lon: float, kind: str) -> int:
        points.append(Point(lat, lon, kind))
        return len(points) - 1

    towns = [_near(rng, *CENTRE, SPAN_DEG[0]) for _ in range(39)]
    site_list = []
    for i in range(sites):
        lat, lon = _near(rng, *towns[i % len(towns)], 0.02)
        site_list.append(Dest(i + 1, add(lat, lon, "town")))
    hospitals = [Dest(1, add(*CENTRE, "street")), Dest(2, add(*_near(rng, *CENTRE, 0.2), "town"))]
    room_list: list[Room] = []
    for k in range(rooms):
        beds = rng.choices([1, 2, 3, 4], weights=[50, 30, 12, 8])[0]
        room_list.append(Room(k + 1, site_list[k % sites].id, beds, accessible=rng.random() < 0.05))
    # positives travel alone; the households of the others sum to ``persons``
    is_positive = [rng.random() < positives for _ in range(requests)]
    sizes = [1] * requests
    others = [i for i in range(requests) if not is_positive[i]]
    extra = max(0, persons - requests)
    while extra and others:
        i = others[rng.randrange(len(others))]
        if sizes[i] < 4:
            sizes[i] += 1
            extra -= 1
        elif all(sizes[j] >= 4 for j in others):
            break
    reqs: list[Req] = []
    for i in range(requests):
        lat, lon = _near(rng, *towns[rng.randrange(len(towns))], 0.05)
        positive = is_positive[i]
        kind = TransferKind.POSITIVE if positive else TransferKind.CLOSE_CONTACT
        deadline = rng.randint(4, hours) * 3600
        reqs.append(
            Req(
                i + 1,
                kind,
                1 if positive else sizes[i],
                add(lat, lon, "village"),
                deadline,
                priority=1 if positive else 3,
                accessible=rng.random() < 0.02,
                positive=positive,
            )
        )
    fleet: list[Vehicle] = []
    depots = [add(*_near(rng, *CENTRE, 0.02), "street")] + [
        add(*towns[k], "town") for k in range(0, 39, 5)
    ]
    for i in range(vehicles):
        slot = i % 10
        seats, amb = (2, True) if slot == 0 else (16, False) if slot < 4 else (7, False)
        fleet.append(Vehicle(i + 1, seats, amb, depots[i % len(depots)], 0, 12 * 3600))
    _dist, dur = EstimateRouter().matrix(points)
    return Problem(
        points,
        dur,
        reqs,
        room_list,
        site_list,
        hospitals,
        fleet,
        params=params or Params(seconds=20.0),
    )
