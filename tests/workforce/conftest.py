"""Fixtures of the essential workers' tests: sectors from the seeded policy data, an
employer in each township with an employer's account, valid ID numbers, and samples
and results put in the testing tables as the pipeline writes them."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid

import pytest
from django.utils import timezone

from fangkong.core.roles import Role
from fangkong.people.idnumber import check_character
from fangkong.testing.choices import Outcome, PointKind, TubeKind, TubeState
from fangkong.testing.models import Result, ScreeningRound, TestingPoint, Tube, TubeMember
from fangkong.workforce import services
from fangkong.workforce.models import Sector

_seq = itertools.count(100)


def valid_id(birth: str = "19850312", area: str = "500242") -> str:
    first17 = f"{area}{birth}{next(_seq) % 1000:03d}"
    return first17 + check_character(first17)


def bad_check(number: str) -> str:
    wrong = "0" if number[-1] != "0" else "1"
    return number[:-1] + wrong


@pytest.fixture
def courier(db) -> Sector:
    return Sector.objects.get(code="courier")  # twice a week: every 3 days


@pytest.fixture
def high_risk(db) -> Sector:
    return Sector.objects.get(code="isolation_site")  # daily


@pytest.fixture
def employers(county, users, courier):
    a = services.create_employer(
        by=users["county"],
        data=services.EmployerData(
            name="顺丰钟多站", code="91500242MA5U000001", sector=courier, area=county.town_a
        ),
    )
    b = services.create_employer(
        by=users["county"],
        data=services.EmployerData(
            name="龙潭超市", code="91500242MA5U000002", sector=courier, area=county.town_b
        ),
    )
    return {"a": a, "b": b}  # fmt: skip


@pytest.fixture
def employer_users(employers, county, make_user, users):
    ua = make_user(Role.EMPLOYER, county.town_a, username="emp_a")
    ub = make_user(Role.EMPLOYER, county.town_b, username="emp_b")
    services.add_account(employers["a"], ua, by=users["county"])
    services.add_account(employers["b"], ub, by=users["county"])
    return {"a": ua, "b": ub}


class Samples:
    """Samples and results written into the testing pipeline's own tables."""

    def __init__(self, county, users):
        now = timezone.now()
        self.round = ScreeningRound.objects.create(
            name="常态化",
            starts_at=now - dt.timedelta(days=60),
            ends_at=now + dt.timedelta(days=30),
        )
        self.round.areas.set([county.county])
        self.point = TestingPoint.objects.create(
            name="采样点", kind=PointKind.FIXED, area=county.town_a
        )
        self.county = county

    def sample(self, person, at, outcome: str | None = Outcome.NEGATIVE) -> Tube:
        tube = Tube.objects.create(
            barcode=f"T{uuid.uuid4().hex[:12]}", round=self.round, point=self.point,
            area=self.county.town_a, kind=TubeKind.SINGLE, capacity=1, member_count=1,
            state=TubeState.REPORTED if outcome else TubeState.CLOSED, first_sampled_at=at,
        )  # fmt: skip
        TubeMember.objects.create(
            tube=tube, round=self.round, person=person, area=person.area, sampled_at=at,
            client_uuid=uuid.uuid4(),
        )  # fmt: skip
        if outcome:
            Result.objects.create(tube=tube, outcome=outcome, tested_at=at + dt.timedelta(hours=4),
                                  reported_at=at + dt.timedelta(hours=5), released=True)  # fmt: skip
        return tube


@pytest.fixture
def samples(county, users) -> Samples:
    return Samples(county, users)


@pytest.fixture
def no_sms():
    """No network: the testing pipeline's messages go to a recording double."""
    from fangkong.core.sms import RecordingGateway, set_gateway

    set_gateway(RecordingGateway())
    yield
    set_gateway(None)
