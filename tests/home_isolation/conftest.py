"""Fixtures for home isolation: a household of three in village A with 张三 under home
isolation (left a high-risk area: 7 days at home, tests on days 1, 3, 5, 7 under the 20
measures), the SMS gateway recorded, a grid coordinator for the estate."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.control.services import start_episode
from fangkong.core.sms import RecordingGateway, set_gateway
from fangkong.home_isolation import services
from tests.factories import HouseholdFactory, PersonFactory


@pytest.fixture
def sms():
    gw = RecordingGateway()
    set_gateway(gw)
    yield gw
    set_gateway(None)


@pytest.fixture
def home_a(county):
    return HouseholdFactory(area=county.village_a, address="桃花路8号2单元301", floor=3)


@pytest.fixture
def family(county, home_a):
    """张三 (the head, 40), his son 小明 (8) and his mother 王奶奶 (78), one household."""
    today = timezone.localdate()
    head = PersonFactory(area=county.village_a, household=home_a, name="张三",
                         birth_date=today.replace(year=today.year - 40), phone="13800138000")  # fmt: skip
    child = PersonFactory(area=county.village_a, household=home_a, name="小明",
                          birth_date=today.replace(year=today.year - 8), phone="")  # fmt: skip
    granny = PersonFactory(area=county.village_a, household=home_a, name="王奶奶",
                           birth_date=today.replace(year=today.year - 78), phone="13900139000")  # fmt: skip
    return head, child, granny


@pytest.fixture
def at_home(users, family):
    """The whole family under home isolation from today (7 days, tests on 1, 3, 5, 7)."""
    eps = [
        start_episode(p, "left_high_risk_area", start_date=timezone.localdate(),
                      by=users["township_a"])
        for p in family
    ]  # fmt: skip
    return [e.phases.all()[0] for e in eps]


@pytest.fixture
def stranger_b(county, users):
    """李四 of township B under home isolation."""
    p = PersonFactory(area=county.village_b, name="李四", phone="13700137000")
    start_episode(p, "left_high_risk_area", start_date=timezone.localdate(), by=users["township_b"])
    return p


@pytest.fixture
def link(users, family, at_home, sms, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return services.issue_link(family[0], by=users["village_a"])


def at_local(hour: int, minute: int = 0, day: dt.date | None = None) -> dt.datetime:
    day = day or timezone.localdate()
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@pytest.fixture
def token_for():
    from fangkong.core.services.tokens import create_token

    def make(user, **kw) -> str:
        return create_token(by=user, name=kw.pop("name", "test device"), **kw)[1]

    return make
