"""The synthetic grid of the seed's county (FACTS.md) and who answers for it.

39 township units; about 270 villages and 8 communities (the communities in the two streets
of the county town); groups (组) under villages; estates (小区) and buildings (楼栋) under
communities. Tree paths are computed here and the nodes inserted in bulk. Deterministic for
the random generator it is given; idempotent (an existing grid is reused).
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import F

from fangkong.areas.choices import AreaKind, ResponsibilityRole
from fangkong.areas.models import Area, Responsibility
from fangkong.areas.services.tree import ensure_county, last_step, steps_to_path

RR = ResponsibilityRole
# (communities, villages) of the two streets; the 37 towns and townships get the rest.
STREET_UNITS = {"500242001": (3, 5), "500242002": (5, 6)}
VILLAGES_TOTAL = 270
NUMERALS = "一二三四五六七八九十"
PLACE_CHARS = (
    "石桃花龙凤清泉青杨柳白岩大小高新马金银平坪湾溪河山坝田沟塘坡堡木竹兴隆长安宝合双"
    "红星和丰茶园水井口官庄桥上下中南北东西门楼台家寨林"
)
ESTATE_SUFFIXES = ("小区", "花园", "家园", "苑", "新城")


def chinese_number(n: int) -> str:
    if n <= 10:
        return NUMERALS[n - 1]
    if n < 20:
        return "十" + NUMERALS[n - 11]
    tens, ones = divmod(n, 10)
    return NUMERALS[tens - 1] + "十" + (NUMERALS[ones - 1] if ones else "")


def building_floors(code: str) -> int:
    """Floors of a synthetic building: stable for its code (6 to 32)."""
    return 6 + zlib.crc32(code.encode()) % 27


@dataclass
class Grid:
    """The leaves people live in: (area, address prefix, floors or None for a group)."""

    groups: list[tuple[Area, str]] = field(default_factory=list)
    buildings: list[tuple[Area, str, int]] = field(default_factory=list)


def _place_names(rng: random.Random, count: int, suffix: str, taken: set[str]) -> list[str]:
    names: list[str] = []
    while len(names) < count:
        name = rng.choice(PLACE_CHARS) + rng.choice(PLACE_CHARS) + suffix
        if name not in taken:
            taken.add(name)
            names.append(name)
    return names


def _village_counts(units: list[Area]) -> dict[str, tuple[int, int]]:
    rural = [u for u in units if u.code not in STREET_UNITS]
    left = VILLAGES_TOTAL - sum(v for _c, v in STREET_UNITS.values())
    base, extra = divmod(left, len(rural)) if rural else (0, 0)
    counts = {u.code: (0, base + (1 if i < extra else 0)) for i, u in enumerate(rural)}
    counts.update({c: v for c, v in STREET_UNITS.items() if any(u.code == c for u in units)})
    return counts


def build_grid(rng: random.Random) -> None:
    """Add villages, communities, groups, estates and buildings under every township unit
    that has no children yet (one bulk insert)."""
    ensure_county()
    units = list(Area.objects.filter(depth=2).order_by("code"))
    counts = _village_counts(units)
    new: list[Area] = []
    taken: set[str] = set()
    for unit in units:
        if unit.numchild:
            continue
        n_comm, n_vill = counts.get(unit.code, (0, 7))
        step = last_step(unit.path, unit.depth)
        subtree: list[Area] = []
        names = _place_names(rng, n_comm, "社区", taken) + _place_names(rng, n_vill, "村", taken)
        for i, name in enumerate(names):
            is_comm = i < n_comm
            code = f"{unit.code}{(i + 1) if is_comm else (200 + i - n_comm + 1):03d}"
            step += 1
            v = Area(
                code=code,
                name=name,
                kind=AreaKind.COMMUNITY if is_comm else AreaKind.VILLAGE,
                path=steps_to_path(unit.path, step),
                depth=3,
            )
            kids = _estates(rng, v) if is_comm else _groups(rng, v)
            v.numchild = sum(1 for k in kids if k.depth == 4)
            subtree += [v, *kids]
        Area.objects.filter(pk=unit.pk).update(
            numchild=F("numchild") + sum(1 for a in subtree if a.depth == 3)
        )
        new += subtree
    Area.objects.bulk_create(new, batch_size=2000)
    place_areas()


# --- on the map ------------------------------------------------------------------------------
# The county's centre (FACTS.md) and its size: ~5,170 km², about a 40 km radius. 1° of
# latitude is 111 km; 1° of longitude at 28.8° N is 97 km.
CENTRE = (28.84, 108.77)
RADIUS_KM = 40.0
SPREAD_KM = {2: 0.0, 3: 6.0, 4: 1.2, 5: 0.15}  # how far a child lies from its parent


def _jitter(code: str, salt: str) -> float:
    """A deterministic number in [-1, 1) from an area code."""
    return (zlib.crc32(f"{salt}:{code}".encode()) % 20000) / 10000.0 - 1.0


def place_areas() -> int:
    """Give every area without coordinates a place on the county's map: the county town
    (钟多街道) at the centre, the other township units spread evenly over the county's
    ~5,170 km² (a sunflower spiral, deterministic), villages and communities within a few
    km of their township, groups and estates within about a km, buildings within 150 m.
    Synthetic positions, not surveyed ones; idempotent. Returns how many were placed."""
    import math

    todo = list(Area.objects.filter(lat__isnull=True).order_by("depth", "path"))
    if not todo:
        return 0
    rows = Area.objects.filter(lat__isnull=False).values_list("path", "lat", "lon")
    placed: dict[str, tuple[float, float]] = {p: (la, lo) for p, la, lo in rows}
    units = list(Area.objects.filter(depth=2).order_by("code").values_list("code", flat=True))
    rank = {c: i for i, c in enumerate(c for c in units if c != "500242002")}
    km_lat, km_lon = 111.0, 111.0 * math.cos(math.radians(CENTRE[0]))
    for area in todo:
        if area.depth <= 1 or area.code == "500242002":
            lat, lon = CENTRE
        elif area.depth == 2:
            i = rank.get(area.code, 0)
            r = RADIUS_KM * math.sqrt((i + 0.5) / max(len(rank), 1))
            a = i * math.pi * (3 - math.sqrt(5))  # the golden angle
            lat, lon = CENTRE[0] + r * math.sin(a) / km_lat, CENTRE[1] + r * math.cos(a) / km_lon
        else:
            parent = placed.get(area.path[: -area.steplen], CENTRE)
            spread = SPREAD_KM.get(area.depth, 0.1)
            lat = parent[0] + spread * _jitter(area.code, "lat") / km_lat
            lon = parent[1] + spread * _jitter(area.code, "lon") / km_lon
        area.lat, area.lon = round(lat, 6), round(lon, 6)
        placed[area.path] = (area.lat, area.lon)
    Area.objects.bulk_update(todo, ["lat", "lon"], batch_size=2000)
    return len(todo)


def _groups(rng: random.Random, village: Area) -> list[Area]:
    return [
        Area(
            code=f"{village.code}{j:03d}",
            name=f"{chinese_number(j)}组",
            kind=AreaKind.GROUP,
            path=steps_to_path(village.path, j),
            depth=4,
        )
        for j in range(1, rng.randint(6, 12) + 1)
    ]


def _estates(rng: random.Random, community: Area) -> list[Area]:
    out: list[Area] = []
    taken: set[str] = set()
    for j in range(1, rng.randint(6, 10) + 1):
        name = _place_names(rng, 1, rng.choice(ESTATE_SUFFIXES), taken)[0]
        n_build = rng.randint(4, 14)
        estate = Area(
            code=f"{community.code}{j:03d}",
            name=name,
            kind=AreaKind.ESTATE,
            path=steps_to_path(community.path, j),
            depth=4,
            numchild=n_build,
        )
        out.append(estate)
        for b in range(1, n_build + 1):
            out.append(
                Area(
                    code=f"{estate.code}{b:03d}",
                    name=f"{b}栋",
                    kind=AreaKind.BUILDING,
                    path=steps_to_path(estate.path, b),
                    depth=5,
                )
            )
    return out


def leaves() -> Grid:
    """Where households live: every group and every building, with its address prefix."""
    names = dict(Area.objects.filter(depth__lte=4).values_list("path", "name"))
    grid = Grid()
    for area in Area.objects.filter(kind__in=[AreaKind.GROUP, AreaKind.BUILDING]).order_by("path"):
        prefix = "".join(names.get(p, "") for p in area.ancestor_paths()[1:-1]) + area.name
        if area.kind == AreaKind.GROUP:
            grid.groups.append((area, prefix))
        else:
            grid.buildings.append((area, prefix, building_floors(area.code)))
    return grid


# --- who answers -----------------------------------------------------------------------------
TITLES = {
    RR.COUNTY_LEADER: ("副县长", "县委常委", "县人大常委会副主任", "县政协副主席"),
    RR.TOWNSHIP_LEADER: ("党委委员", "副镇长", "人大主席", "武装部长"),
    RR.SENT_DOWN_STAFF: ("县卫健委干部", "县教委干部", "县农业农村委干部", "县民政局干部"),
}


def populate_responsibilities(
    rng: random.Random,
    make_name: Callable[[], str],
    make_phone: Callable[[], str],
    *,
    gap: float = 0.03,
) -> int:
    """Leaders and coordinators at every level; about ``gap`` of the groups, buildings and
    floors are left without one (so the "no one assigned" page has work). Skipped when
    assignments exist already. Returns the number created."""
    if Responsibility.objects.exists():
        return 0
    rows: list[Responsibility] = []

    def add(area: Area, role: str, title: str = "", floor: int | None = None) -> None:
        rows.append(
            Responsibility(
                area=area,
                role=role,
                person_name=make_name(),
                title=title,
                phone=make_phone(),
                floor=floor,
            )
        )

    leaders = [make_name() for _ in range(20)]
    for i, unit in enumerate(Area.objects.filter(depth=2).order_by("code")):
        add(unit, RR.COUNTY_LEADER, TITLES[RR.COUNTY_LEADER][i % 4])
        rows[-1].person_name = leaders[i % len(leaders)]  # a county leader covers 2 townships
    for v in Area.objects.filter(depth=3).order_by("path"):
        add(v, RR.TOWNSHIP_LEADER, rng.choice(TITLES[RR.TOWNSHIP_LEADER]))
        is_comm = v.kind == AreaKind.COMMUNITY
        add(v, RR.VILLAGE_CADRE, "社区党委书记" if is_comm else "村党支部书记")
        add(v, RR.VILLAGE_CADRE, "社区居委会主任" if is_comm else "村委会主任")
        add(v, RR.SENT_DOWN_STAFF, rng.choice(TITLES[RR.SENT_DOWN_STAFF]))
    for g in Area.objects.filter(depth=4).order_by("path"):
        if g.kind == AreaKind.ESTATE:
            add(g, RR.PARTY_BRANCH, "临时党支部书记")
            add(g, RR.GRID_COORDINATOR, "网格员")
        elif rng.random() >= gap:
            add(g, RR.GRID_COORDINATOR, "组长")
    for b in Area.objects.filter(kind=AreaKind.BUILDING).order_by("path"):
        if rng.random() < gap:
            continue
        add(b, RR.GRID_COORDINATOR, "楼栋长")
        add(b, RR.PARTY_GROUP, "楼栋党小组长")
        for f in range(1, building_floors(b.code) + 1):
            if rng.random() >= gap:
                add(b, RR.FLOOR_LEAD, "党员中心户", floor=f)
    Responsibility.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
