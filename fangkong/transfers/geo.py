"""Where things are and how long it takes between them: the road-distance interface.

``get_router()`` gives the router chosen by ``settings.TRANSFERS_ROUTER``:

- ``"estimate"`` (the embedded default): straight-line (haversine) distance times a detour
  factor (``TRANSFERS_DETOUR_FACTOR``, mountain roads in 酉阳 wind: 1.45), driven at a
  speed by the kind of area the trip touches (county-town streets slower than township
  roads); no network, deterministic;
- ``"osrm"``: an OSRM server's ``/table/v1/driving`` over HTTP at ``TRANSFERS_ROUTER_URL``
  (Valhalla's ``sources_to_targets`` answers the same matrix; add its adapter beside).

Both answer ``matrix(points) -> (metres, seconds)``, square lists of ints. Tests use
``FixedRouter`` (a double) or the estimate; nothing reaches the network in tests.
"""

from __future__ import annotations

import json
import math
import os
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings

from fangkong.core.errors import ValidationFailed

EARTH_RADIUS_M = 6_371_000.0
DEFAULT_DETOUR = 1.45
# km/h by the kind of the place: county-town streets, towns, villages in the mountains
SPEED_KMH = {
    "street": 25.0,
    "community": 25.0,
    "estate": 25.0,
    "building": 25.0,
    "town": 40.0,
    "township": 35.0,
    "village": 30.0,
    "group": 30.0,
}
DEFAULT_SPEED_KMH = 35.0


@dataclass(frozen=True)
class Point:
    lat: float
    lon: float
    kind: str = ""  # the area kind, for the speed


def point_of(obj: object, *, field: str, what: str) -> Point:
    """A Point from anything with ``lat``/``lon``; a clear error naming ``field`` if it has
    none (a site or depot never placed on the map)."""
    lat, lon = getattr(obj, "lat", None), getattr(obj, "lon", None)
    if lat is None or lon is None:
        from django.utils.translation import gettext as _

        raise ValidationFailed(
            _("%(what)s has no coordinates; put it on the map first.") % {"what": what},
            field=field,
        )
    return Point(float(lat), float(lon), getattr(obj, "kind", "") or "")


def haversine_m(a: Point, b: Point) -> float:
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


class Router(Protocol):
    def matrix(self, points: Sequence[Point]) -> tuple[list[list[int]], list[list[int]]]: ...


class EstimateRouter:
    """Straight line × detour factor, at a speed by area kind (the slower end's)."""

    def __init__(self, detour: float | None = None) -> None:
        self.detour = detour or float(getattr(settings, "TRANSFERS_DETOUR_FACTOR", DEFAULT_DETOUR))

    def speed(self, a: Point, b: Point) -> float:
        return min(
            SPEED_KMH.get(a.kind, DEFAULT_SPEED_KMH), SPEED_KMH.get(b.kind, DEFAULT_SPEED_KMH)
        )

    def matrix(self, points: Sequence[Point]) -> tuple[list[list[int]], list[list[int]]]:
        n = len(points)
        dist = [[0] * n for _ in range(n)]
        dur = [[0] * n for _ in range(n)]
        for i in range(n):
            for j in range(i + 1, n):
                m = haversine_m(points[i], points[j]) * self.detour
                s = m / (self.speed(points[i], points[j]) / 3.6)
                dist[i][j] = dist[j][i] = round(m)
                dur[i][j] = dur[j][i] = round(s)
        return dist, dur


class OsrmRouter:
    """An OSRM server's table service (``annotations=distance,duration``)."""

    def __init__(self, url: str, *, timeout: float = 10.0, opener=None) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.opener = opener or urllib.request.urlopen

    def matrix(self, points: Sequence[Point]) -> tuple[list[list[int]], list[list[int]]]:
        coords = ";".join(f"{p.lon:.6f},{p.lat:.6f}" for p in points)
        url = f"{self.url}/table/v1/driving/{coords}?annotations=distance,duration"
        with self.opener(url, timeout=self.timeout) as resp:
            body = json.loads(resp.read().decode())
        if body.get("code") != "Ok":
            raise RuntimeError(f"routing engine answered {body.get('code')!r}")
        dist = [[round(x or 0) for x in row] for row in body["distances"]]
        dur = [[round(x or 0) for x in row] for row in body["durations"]]
        return dist, dur


class FixedRouter:
    """A test double: the same speed everywhere, no detour (or any matrix given)."""

    def __init__(self, speed_kmh: float = 36.0) -> None:
        self.speed = speed_kmh
        self.calls = 0

    def matrix(self, points: Sequence[Point]) -> tuple[list[list[int]], list[list[int]]]:
        self.calls += 1
        n = len(points)
        dist = [[round(haversine_m(points[i], points[j])) for j in range(n)] for i in range(n)]
        dur = [[round(d / (self.speed / 3.6)) for d in row] for row in dist]
        return dist, dur


_override: Router | None = None


def use_router(router: Router | None) -> None:
    """Tests and benchmarks put a double in place (None: back to the setting)."""
    global _override
    _override = router


def get_router() -> Router:
    if _override is not None:
        return _override
    name = getattr(
        settings, "TRANSFERS_ROUTER", os.environ.get("FANGKONG_TRANSFERS_ROUTER", "estimate")
    )
    if name == "osrm":
        return OsrmRouter(str(getattr(settings, "TRANSFERS_ROUTER_URL", "http://localhost:5000")))
    return EstimateRouter()
