"""The transfers demo: the county on the map, a depot with its fleet and a driver, a
designated hospital, close contacts and a positive waiting in 钟多街道, one plan accepted
and its first trip on the road, a second plan proposed on the dispatch board."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from fangkong.areas.models import Area
from fangkong.areas.synthetic import place_areas
from fangkong.core.demo import DEMO_TOWNSHIP_CODE
from fangkong.core.models import User
from fangkong.sites.models import IsolationSite
from fangkong.transfers import services
from fangkong.transfers.choices import CrewRole, PlanStatus, TransferKind, VehicleKind
from fangkong.transfers.models import CrewMember, Depot, Hospital
from fangkong.transfers.services.requests import place_of

FLEET = [
    ("渝H·J0120", VehicleKind.AMBULANCE, 2),
    ("渝H·J0121", VehicleKind.AMBULANCE, 2),
    ("渝H·D3301", VehicleKind.BUS, 20),
    ("渝H·M5501", VehicleKind.VAN, 7),
    ("渝H·M5502", VehicleKind.VAN, 7),
]


def _say(stdout: Any, line: str) -> None:
    if stdout is not None:
        stdout.write(line)


def _households(township: Area, n: int) -> list[list[Any]]:
    """Up to ``n`` households of the township, one to three persons, nobody under control."""
    from fangkong.sites.demo import _free_persons

    out: list[list[Any]] = []
    by_household: dict[int, list[Any]] = {}
    for p in _free_persons(township)[:400]:  # a person without a household travels alone
        by_household.setdefault(p.household_id or -p.pk, []).append(p)
    for members in by_household.values():
        if 1 <= len(members) <= 3 and len(out) < n:
            out.append(members)
    return out


def load_demo_transfers(stdout: Any = None) -> dict[str, int]:
    placed = place_areas()
    if Depot.objects.exists():
        _say(stdout, "demo: transfers already present, skipped")
        return {"skipped": 1}
    county = Area.objects.get(depth=1)
    township = Area.objects.get(code=DEMO_TOWNSHIP_CODE)
    dispatcher = User.objects.get(username="dispatcher")
    with transaction.atomic():
        for site in IsolationSite.objects.filter(lat__isnull=True).select_related("area"):
            point = place_of(site.area)
            if point:  # a site beside its area's centre
                IsolationSite.objects.filter(pk=site.pk).update(
                    lat=point[0] + 0.004, lon=point[1] + 0.003
                )
        depot = services.create_depot(
            name="县转运队（钟多）", area=county, lat=township.lat, lon=township.lon, by=dispatcher
        )
        vehicles = [
            services.create_vehicle(plate=p, kind=k, seats=s, depot=depot, by=dispatcher)
            for p, k, s in FLEET
        ]
        Hospital.objects.create(
            name="县人民医院（定点）",
            area=township,
            lat=(township.lat or 0) + 0.01,
            lon=township.lon,
        )
        driver = User.objects.filter(username="driver").first()
        CrewMember.objects.create(
            name="刘师傅", role=CrewRole.DRIVER, phone="13983001234", depot=depot, user=driver,
            closed_loop_since=timezone.localdate(),
        )  # fmt: skip
        CrewMember.objects.create(
            name="陈护士", role=CrewRole.ESCORT, phone="13983005678", depot=depot,
            closed_loop_since=timezone.localdate(),
        )  # fmt: skip
    groups = _households(township, 10)
    made = 0
    for members in groups[:5]:
        services.request_transfer(members, TransferKind.CLOSE_CONTACT, by=dispatcher, source="demo")
        made += 1
    if len(groups) > 5:
        services.request_transfer(
            groups[5][:1], TransferKind.POSITIVE, by=dispatcher, source="demo"
        )
        made += 1
    plan = services.run_plan(county, by=dispatcher, background=False)
    plan.refresh_from_db()
    if plan.status == PlanStatus.PROPOSED and driver is not None:
        services.accept_plan(plan, by=dispatcher)
        first = plan.trips.order_by("start_at").first()
        if first is not None:
            services.dispatch_trip(first, by=driver)
    for members in groups[6:9]:
        services.request_transfer(members, TransferKind.CLOSE_CONTACT, by=dispatcher, source="demo")
        made += 1
    services.run_plan(county, by=dispatcher, background=False)
    _say(
        stdout,
        f"demo: {placed} areas placed on the map, {len(vehicles)} vehicles, {made} transfer requests, 2 plans",
    )
    return {"areas": placed, "vehicles": len(vehicles), "requests": made}
