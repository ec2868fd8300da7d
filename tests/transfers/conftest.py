"""Fixtures for transfers: a placed county, a site with coordinates, a depot, vehicles,
a hospital, a dispatcher and a driver; the routing double in place of any engine."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from fangkong.core.roles import Role
from fangkong.sites import services as site_services
from fangkong.sites.choices import SiteKind
from fangkong.transfers import geo, services
from fangkong.transfers.choices import TransferKind, VehicleKind
from fangkong.transfers.models import Hospital
from tests.factories import HouseholdFactory, PersonFactory


@pytest.fixture(autouse=True)
def _router_double(settings):
    settings.TRANSFERS_PLANNER = {"seconds": 0.3}
    router = geo.FixedRouter()
    geo.use_router(router)
    yield router
    geo.use_router(None)


@pytest.fixture
def placed(county):
    """The test county on the map: township A in the county town, B some 20 km away."""
    for area, (lat, lon) in [
        (county.county, (28.84, 108.77)),
        (county.town_a, (28.84, 108.77)),
        (county.village_a, (28.86, 108.80)),
        (county.town_b, (28.70, 108.90)),
        (county.village_b, (28.72, 108.92)),
    ]:
        area.lat, area.lon = lat, lon
        area.save(update_fields=["lat", "lon"])
    return county


@pytest.fixture
def users(users, county, make_user):
    return {
        **users,
        "dispatcher": make_user(Role.TRANSFER_DISPATCHER, county.county, username="dispatcher"),
        "dispatcher_b": make_user(Role.TRANSFER_DISPATCHER, county.town_b, username="dispatcher_b"),
        "driver": make_user(Role.DRIVER, county.county, username="driver"),
        "site_county": make_user(Role.SITE_MANAGER, county.county, username="site_county"),
    }


@pytest.fixture
def dispatcher(users):
    return users["dispatcher"]


@pytest.fixture
def driver(users):
    return users["driver"]


@pytest.fixture
def make_site(placed, users):
    def make(area=None, *, name="县宾馆", rooms=4, beds=1, lat=28.845, lon=108.775, **kw):
        by = users["county"]
        site = site_services.create_site(
            by=by,
            data=site_services.SiteData(
                name=name,
                kind=SiteKind.HOTEL,
                address="钟多街道桃花路1号",
                area=area or placed.town_a,
                manager_name="王经理",
                manager_phone="13800138000",
            ),
        )
        if rooms:
            site_services.bulk_create_rooms(site, by=by, floors=1, rooms_per_floor=rooms, beds=beds)
        type(site).objects.filter(pk=site.pk).update(lat=lat, lon=lon)
        site.lat, site.lon = lat, lon
        return site

    return make


@pytest.fixture
def site(make_site):
    """Four rooms of three beds each in township A."""
    return make_site(beds=3)


@pytest.fixture
def depot(placed, dispatcher):
    return services.create_depot(
        name="县转运队", area=placed.county, lat=28.83, lon=108.76, by=dispatcher
    )


@pytest.fixture
def van(depot, dispatcher):
    return services.create_vehicle(
        plate="渝H12345", kind=VehicleKind.VAN, seats=7, depot=depot, by=dispatcher
    )


@pytest.fixture
def ambulance(depot, dispatcher):
    return services.create_vehicle(
        plate="渝H120", kind=VehicleKind.AMBULANCE, seats=2, depot=depot, by=dispatcher
    )


@pytest.fixture
def hospital(placed):
    return Hospital.objects.create(name="县人民医院", area=placed.town_a, lat=28.85, lon=108.78)


@pytest.fixture
def family(placed):
    h = HouseholdFactory(area=placed.village_a)
    return [
        PersonFactory(area=placed.village_a, household=h, name="赵父"),
        PersonFactory(area=placed.village_a, household=h, name="赵子"),
    ]


@pytest.fixture
def contact(placed):
    return PersonFactory(area=placed.village_b, name="孙密接")


@pytest.fixture
def failed(family, users):
    """赵父's home has no own bathroom: the household awaits centralized placement."""
    from fangkong.home_isolation import services as home

    return home.assess_household(
        family[0], home.Answers(own_room=True, children_with_parent=True),
        origin="cadre", by=users["village_a"],
    )  # fmt: skip


@pytest.fixture
def case(placed, users):
    """钱阳性 of village A, a confirmed case reported now."""
    from fangkong.cases.services import register_case

    return register_case(
        PersonFactory(area=placed.village_a, name="钱阳性"), kind="confirmed",
        sampled_at=timezone.now() - dt.timedelta(hours=3), sampling_place="采样点",
        by=users["county"],
    )  # fmt: skip


@pytest.fixture
def requested(family, dispatcher):
    return services.request_transfer(family, TransferKind.CLOSE_CONTACT, by=dispatcher)


def api_post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def body(resp):
    return json.loads(resp.content)
