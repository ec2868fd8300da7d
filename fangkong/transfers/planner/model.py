"""The planner's own data: plain values, no database, so it can be tested, validated and
benchmarked alone. Times are seconds from the plan's start; durations come from a
``geo.Router`` matrix over ``points``."""

from __future__ import annotations

from dataclasses import dataclass, field

from fangkong.transfers.geo import Point

SITE = "site"
HOSPITAL = "hospital"
HOME = "home"

# why a request is left out of a plan (codes; the service words them for people)
NO_ROOM_FITS = "no_room_fits"  # no ready room with enough beds (or accessible)
NO_BEDS_LEFT = "no_beds_left"  # fitting rooms exist, all taken by more urgent requests
NO_HOSPITAL = "no_hospital"  # no designated hospital with coordinates
NO_VEHICLE_FITS = "no_vehicle_fits"  # no vehicle with enough seats (or an ambulance)
NO_SHIFT_LEFT = "no_shift_left"  # every fitting vehicle's shift is full
NO_ORIGIN = "no_origin"  # a release home with no site to leave from


@dataclass(frozen=True)
class Params:
    disinfect_s: int = 30 * 60  # a vehicle's disinfection after every trip
    board_s: int = 5 * 60  # stop time at each pick-up
    unload_s: int = 10 * 60  # hand-over at the destination
    max_trip_s: int = 4 * 3600  # a trip's longest duration
    seconds: float = 5.0  # solver time for all routing groups together
    seed: int = 1


@dataclass
class Req:
    id: int
    kind: str
    persons: int
    point: int  # index into points
    deadline: int
    priority: int = 3
    accessible: bool = False
    positive: bool = False
    to_room: bool = True
    origin_site: int | None = None  # release home: the site left from


@dataclass
class Room:
    id: int
    site: int
    beds: int
    accessible: bool = False


@dataclass
class Dest:
    id: int
    point: int


@dataclass
class Vehicle:
    id: int
    seats: int
    ambulance: bool
    point: int  # where it is now (its depot)
    ready_at: int = 0
    shift_end: int = 10 * 3600


@dataclass
class Problem:
    points: list[Point]
    dur: list[list[int]]
    requests: list[Req]
    rooms: list[Room]
    sites: list[Dest]
    hospitals: list[Dest]
    vehicles: list[Vehicle]
    params: Params = field(default_factory=Params)
    locked: list[PTrip] = field(default_factory=list)  # trips kept as they are
    fixed_rooms: dict[int, int] = field(default_factory=dict)  # locked request -> its room


@dataclass
class PTrip:
    vehicle: int
    dest_kind: str  # SITE / HOSPITAL / HOME
    dest: int  # site or hospital id (HOME: the site left from)
    positive: bool
    stops: list[tuple[int, int]]  # (request id, time reached)
    start: int  # leaves its start point
    end: int  # reaches the destination (HOME: the last drop-off)
    load: int
    seq: int = 0
    locked: bool = False


@dataclass
class Solution:
    rooms: dict[int, int] = field(default_factory=dict)  # request -> room
    sites: dict[int, int] = field(default_factory=dict)  # request -> site
    hospitals: dict[int, int] = field(default_factory=dict)  # request -> hospital
    trips: list[PTrip] = field(default_factory=list)
    left: dict[int, str] = field(default_factory=dict)  # request -> reason code
    seconds: float = 0.0

    def arrival(self) -> dict[int, int]:
        """Per request, when its persons reach the destination (HOME: their door)."""
        out: dict[int, int] = {}
        for t in self.trips:
            for rid, at in t.stops:
                out[rid] = at if t.dest_kind == HOME else t.end
        return out

    def vehicle_seconds(self) -> int:
        return sum(t.end - t.start for t in self.trips)
