"""Demo isolation sites for 钟多街道: three sites, their rooms, people under control checked
in (due today, tomorrow, one past the planned end), a few rooms in turnover.

Everything goes through the sites and control services, so the audit log, the timelines
and the room state machine are the real ones."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from fangkong.areas.models import Area
from fangkong.control.choices import EpisodeStatus
from fangkong.control.models import ControlEpisode
from fangkong.control.rules import rule_in_force
from fangkong.control.services import start_episode
from fangkong.core.demo import DEMO_TOWNSHIP_CODE
from fangkong.core.models import User
from fangkong.people.choices import PersonStatus
from fangkong.people.models import Person
from fangkong.sites import services
from fangkong.sites.choices import RoomState, SiteKind, SiteStatus, TurnoverStepKind
from fangkong.sites.models import IsolationSite, Room, Stay

CENTRALIZED = "centralized_isolation"
SINGLES = 20  # persons checked in alone and staying
RELEASED = 4  # persons released today, their rooms then in turnover

# name, kind, address, manager, phone, status, (floors, rooms per floor, beds)
SITES = [
    ("酉州宾馆集中隔离点", SiteKind.HOTEL, "钟多街道桃花源大道中路18号", "冉光明",
     "13896810001", SiteStatus.ACTIVE, (4, 10, 1)),
    ("城北板房隔离点", SiteKind.PANEL_CAMP, "钟多街道城北工业园区B区3号地块", "白学军",
     "13896810002", SiteStatus.ACTIVE, (2, 12, 1)),
    ("桃花源公租房隔离点", SiteKind.PUBLIC_RENTAL, "钟多街道民族路公租房小区7栋", "田茂林",
     "13896810003", SiteStatus.RESERVE, (3, 8, 2)),
]  # fmt: skip


def _say(stdout: Any, line: str) -> None:
    if stdout is not None:
        stdout.write(line)


def _centralized_days(reason: str, on: dt.date, area: Any) -> int | None:
    """Days of the first phase of ``reason``'s rule in force, when it is centralized."""
    first = rule_in_force(reason, on, area=area).snapshot["phases"][0]
    return int(first["days"]) if first["kind"] == CENTRALIZED else None


def _free_persons(township: Area) -> Any:
    """Active persons of the township not under control, in a stable order."""
    controlled = ControlEpisode.objects.filter(status=EpisodeStatus.ACTIVE).values("person_id")
    return (
        Person.objects.filter(area__path__startswith=township.path, status=PersonStatus.ACTIVE)
        .exclude(pk__in=controlled)
        .select_related("area", "household")
        .order_by("pk")
    )


def _household(township: Area) -> list[Person]:
    """The members of the largest household of two to four free persons (none: [])."""
    row = (
        _free_persons(township)
        .filter(household__isnull=False)
        .values("household_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=2, n__lte=4)
        .order_by("-n", "household_id")
        .first()
    )
    if row is None:
        return []
    return list(_free_persons(township).filter(household_id=row["household_id"]))


def _at(days_ago: int, minute: int, now: dt.datetime) -> dt.datetime:
    """That day at 09:00 local plus ``minute`` minutes, never after ``now``."""
    day = timezone.localdate(now) - dt.timedelta(days=days_ago)
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0))) + dt.timedelta(minutes=minute)
    return min(at, now)


def _offsets(days: int, n: int) -> list[int]:
    """Days ago the episodes started: one past the planned end, four due today, three due
    tomorrow, the rest spread over the days before."""
    head = [days, days - 1, days - 1, days - 1, days - 1, days - 2, days - 2, days - 2]
    rest = list(range(max(days - 2, 1)))
    return [*head, *(rest[i % len(rest)] for i in range(max(n - len(head), 0)))][:n]


@transaction.atomic
def load_demo_sites(stdout: Any = None, township: Area | None = None) -> dict[str, int]:
    """Create the demo sites and stays once; with any isolation site present, do nothing.

    Returns the counts made (``{"skipped": 1}`` when skipped)."""
    if IsolationSite.objects.exists():
        _say(stdout, "demo: isolation sites already present, skipped")
        return {"skipped": 1}
    township = township or Area.objects.get(code=DEMO_TOWNSHIP_CODE)
    manager = User.objects.get(username="site")
    now = timezone.now()
    today = timezone.localdate(now)

    sites: list[IsolationSite] = []
    for name, kind, address, mgr, phone, status, (floors, per_floor, beds) in SITES:
        site = services.create_site(
            by=manager,
            data=services.SiteData(
                name=name, kind=kind, address=address, area=township, manager_name=mgr,
                manager_phone=phone, status=status, planned_beds=floors * per_floor * beds,
                ready_date=today + dt.timedelta(days=3) if status == SiteStatus.RESERVE else None,
                contacts="街道防控办 023-75551234", notes="演示数据",
            ),
        )  # fmt: skip
        services.bulk_create_rooms(
            site, by=manager, floors=floors, rooms_per_floor=per_floor, beds=beds
        )
        sites.append(site)
    hotel, camp, _reserve = sites
    family = [
        services.create_room(hotel, by=manager, number=f"50{i}", floor=5, beds=4) for i in (1, 2)
    ]
    hotel_rooms = list(hotel.rooms.filter(beds=1).order_by("number"))
    services.set_room_state(
        hotel_rooms.pop(), RoomState.OUT_OF_SERVICE, by=manager, reason="卫生间漏水，待维修"
    )
    services.set_room_state(
        hotel_rooms.pop(), RoomState.RESERVED, by=manager, reason="预留：转运途中的密接"
    )
    camp_rooms = list(camp.rooms.order_by("number"))
    # alternately one room of each site, so that both have people in them
    free_rooms = [r for pair in zip(hotel_rooms, camp_rooms, strict=False) for r in pair]

    days = {
        r: _centralized_days(r, today, township) for r in ("close_contact", "inbound_traveller")
    }
    close_days = days["close_contact"] or 5
    stays: list[Stay] = []
    checked_in = 0

    def put(room: Room, persons: list[Person], reason: str, days_ago: int) -> list[Stay]:
        nonlocal checked_in
        for p in persons:
            start_episode(p, reason, start_date=today - dt.timedelta(days=days_ago), by=manager)
        made = services.check_in(
            room, persons, by=manager, reason=reason, at=_at(days_ago, 7 * checked_in, now)
        )
        checked_in += len(made)
        return made

    members = _household(township)
    if members:
        stays += put(family[0], members, "close_contact", 2)
    persons = list(_free_persons(township)[: SINGLES + RELEASED])
    rooms = iter(free_rooms)
    for i, (person, days_ago) in enumerate(
        zip(persons[:SINGLES], _offsets(close_days, SINGLES), strict=False)
    ):
        reason = "inbound_traveller" if i in (6, 12) and days["inbound_traveller"] else ""
        reason = reason or "close_contact"
        limit = days[reason]
        ago = days_ago if reason == "close_contact" or limit is None else min(days_ago, limit - 1)
        stays += put(next(rooms), [person], reason, ago)
    # released today at the end of their centralized isolation: their rooms go into turnover
    leaving = [put(next(rooms), [p], "close_contact", close_days - 1)[0] for p in persons[SINGLES:]]
    if leaving:
        services.release_batch(leaving, by=manager)
    steps = list(TurnoverStepKind.values)
    for room, done in zip([s.room for s in leaving], (1, 2, 4, 0), strict=False):
        for step in steps[:done]:
            services.record_step(room, step, by=manager, note="演示" if step == steps[0] else "")

    overdue = [s for s in stays if s.phase and s.phase.planned_end_date < today]
    for s in overdue[:1]:
        services.record_overstay_reason(s, by=manager, reason="第5天核酸结果未出，待复核后解除")
    flags = services.flag_due_releases(on=today)
    counts = {
        "sites": len(sites),
        "rooms": Room.objects.filter(site__in=sites).count(),
        "stays": len(stays),
        "released": len(leaving),
        "due_today": flags.get("today", 0),
        "due_tomorrow": flags.get("tomorrow", 0),
        "overdue": flags.get("overdue", 0),
    }
    _say(
        stdout,
        "demo: {sites} isolation sites, {rooms} rooms, {stays} people in rooms "
        "({due_today} due today, {due_tomorrow} tomorrow, {overdue} overdue), "
        "{released} released today".format(**counts),
    )
    return counts
