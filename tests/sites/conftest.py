"""Fixtures for isolation sites: site managers, a site with rooms, persons and households."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from fangkong.core.roles import Role
from fangkong.sites import services
from fangkong.sites.choices import SiteKind
from tests.factories import HouseholdFactory, PersonFactory


@pytest.fixture
def users(users, county, make_user):
    """The shared users plus a site manager in each township."""
    return {
        **users,
        "site_a": make_user(Role.SITE_MANAGER, county.town_a, username="site_a"),
        "site_b": make_user(Role.SITE_MANAGER, county.town_b, username="site_b"),
        "site_county": make_user(Role.SITE_MANAGER, county.county, username="site_county"),
    }


@pytest.fixture
def manager(users):
    """A site manager of the whole county: may check in anyone in it."""
    return users["site_county"]


@pytest.fixture
def make_site(county, users):
    def make(area=None, *, name="县宾馆", floors=1, per_floor=4, beds=1, **kw):
        by = users["county"]
        site = services.create_site(
            by=by,
            data=services.SiteData(
                name=name,
                kind=kw.pop("kind", SiteKind.HOTEL),
                address="钟多街道桃花路1号",
                area=area or county.town_a,
                manager_name="王经理",
                manager_phone="13800138000",
                **kw,
            ),
        )
        if floors and per_floor:
            services.bulk_create_rooms(
                site, by=by, floors=floors, rooms_per_floor=per_floor, beds=beds
            )
        return site

    return make


@pytest.fixture
def site(make_site):
    """Site in township A, one floor, rooms 101-104, one bed each."""
    return make_site()


@pytest.fixture
def site_b(make_site, county):
    return make_site(county.town_b, name="龙潭板房", kind=SiteKind.PANEL_CAMP)


def room_of(site, number):
    return site.rooms.get(number=number)


def years_ago(n: int) -> dt.date:
    """A birth date making someone exactly ``n`` (just past their birthday) today."""
    today = timezone.localdate()
    return dt.date(today.year - n, today.month, min(today.day, 28)) - dt.timedelta(days=1)


@pytest.fixture
def household(county):
    """Two adults and a child in village A."""
    h = HouseholdFactory(area=county.village_a)
    return [
        PersonFactory(area=county.village_a, household=h, name="赵父", birth_date=years_ago(40)),
        PersonFactory(area=county.village_a, household=h, name="钱母", birth_date=years_ago(38)),
        PersonFactory(area=county.village_a, household=h, name="赵子", birth_date=years_ago(8)),
    ]


def under_control(person, days_ago: int, reason: str = "close_contact"):
    """Start an episode ``days_ago`` days back (by the system); returns its first phase."""
    from fangkong.control.services import start_episode

    episode = start_episode(
        person, reason, start_date=timezone.localdate() - dt.timedelta(days=days_ago), by=None
    )
    return episode.phases.order_by("order").first()


def api_post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def body(resp):
    return json.loads(resp.content)
