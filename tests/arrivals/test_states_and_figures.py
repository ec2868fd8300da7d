"""The arrivals' machines walk their tables; the command centre's figures."""

import itertools

import pytest
from django.utils import timezone

from fangkong.arrivals import services
from fangkong.arrivals.choices import ARRIVAL_TRANSITIONS, AWAY_TRANSITIONS, DESIGNATION_TRANSITIONS
from fangkong.arrivals.models import Arrival, ResidentAway, RiskDesignation
from fangkong.arrivals.states import ArrivalMachine, AwayMachine, DesignationMachine
from fangkong.core.figures import sections_for
from tests.factories import add_area
from tests.state_walk import walk

pytestmark = pytest.mark.django_db
numbers = itertools.count(1)


def test_the_arrival_machine_walks_its_table(make_arrival, users):
    base = make_arrival()

    def make(status):
        a = Arrival.objects.get(pk=base.pk)
        a.pk = None
        a.reference = f"LFTEST{next(numbers):04d}"
        a.id_number = f"P{next(numbers):07d}"
        a.status = status
        a.save()
        return a

    assert ArrivalMachine.table == {k: set(v) for k, v in ARRIVAL_TRANSITIONS.items()}
    walk(ArrivalMachine, make, by=users["county"])


def test_the_away_machine_walks_its_table(county, users):
    def make(status):
        return ResidentAway.objects.create(name="x", id_number=f"P{next(numbers):07d}", area=county.village_a,
                                           whereabouts_province="广东省", status=status)  # fmt: skip

    assert AwayMachine.table == {k: set(v) for k, v in AWAY_TRANSITIONS.items()}
    walk(AwayMachine, make, by=users["county"])


def test_the_designation_machine_walks_its_table(county, users):
    def make(status):
        area = add_area(county.village_a, f"5002420020019{next(numbers):02d}", "楼", "building")
        return RiskDesignation.objects.create(area=area, level="high", starts_on=timezone.localdate(),
                                              measures="m", status=status)  # fmt: skip

    assert DesignationMachine.table == {k: set(v) for k, v in DESIGNATION_TRANSITIONS.items()}
    walk(DesignationMachine, make, by=users["county"])


def test_the_command_centres_figures(make_arrival, county, staff):
    make_arrival()
    make_arrival(id_number="360426199101010071", origin_province="北京市", origin_city="",
                 origin_county="", origin_street="")  # fmt: skip
    services.designate(
        area=county.village_a, level="high", starts_on=timezone.localdate(), by=staff["county"]
    )
    got = {
        s.section.key: {f.key: f for f in s.figures}
        for s in sections_for(staff["county"], timezone.localdate())
    }
    a = got["arrivals"]
    assert a["arrivals.today_high"].value == 1 and a["arrivals.today_other"].value == 1
    assert a["arrivals.today_high"].by_township == {county.town_a.path: 1}
    assert a["arrivals.unacknowledged"].value == 2 and a["arrivals.overdue"].value == 0
    assert a["arrivals.high_risk_areas"].value == 1
    assert got["checkpoints"]["checkpoints.vehicles"].value == 0
    other = {s.section.key: {f.key: f.value for f in s.figures}
             for s in sections_for(staff["township_b"], timezone.localdate())}  # fmt: skip
    assert other["arrivals"]["arrivals.today_high"] == 0
