"""A testing point in township A with its sampler, a lab with its technician, a round over
township A, and helpers that walk tubes through the pipeline."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from fangkong.core.sms import RecordingGateway, set_gateway
from fangkong.testing import services
from tests.factories import PersonFactory


@pytest.fixture(autouse=True)
def sms():
    """No network: every message goes to a recording double."""
    gw = RecordingGateway()
    set_gateway(gw)
    yield gw
    set_gateway(None)


@pytest.fixture
def point(county, users):
    return services.create_point(
        name="桃花社区核酸点", kind="fixed", area=county.town_a, hours="07:00-22:00",
        samplers=[users["sampler_a"]], by=users["county"],
    )  # fmt: skip


@pytest.fixture
def point_b(county, users):
    return services.create_point(name="龙潭镇核酸点", kind="temporary", area=county.town_b,
                                 by=users["county"])  # fmt: skip


@pytest.fixture
def rnd(county, users):
    now = timezone.now()
    return services.create_round(
        name="第1轮", areas=[county.town_a], starts_at=now - dt.timedelta(hours=2),
        ends_at=now + dt.timedelta(days=1), by=users["county"],
    )  # fmt: skip


@pytest.fixture
def lab(county, users):
    return services.create_lab(name="县疾控实验室", code="CDC1", area=county.county,
                               technicians=[users["lab"]], by=users["county"])  # fmt: skip


@pytest.fixture
def residents(county):
    """Twelve people of village A (in the round)."""
    return [PersonFactory(area=county.village_a) for _ in range(12)]


@pytest.fixture
def swab(rnd, point, users):
    """swab(person, tube_barcode, **kw): the sampler takes one swab."""

    def take(person, tube, **kw):
        kw.setdefault("by", users["sampler_a"])
        return services.sample(rnd, point, person=person, tube_barcode=tube, **kw)

    return take


@pytest.fixture
def to_lab(point, users, lab):
    """to_lab(*tubes, box="BOX1"): box the closed tubes, hand over, receive at the lab."""

    def go(*tubes, box="BOX0001"):
        b = services.create_box(barcode=box, point=point, by=users["sampler_a"])
        for t in tubes:
            services.add_tube(b, t.barcode, by=users["sampler_a"])
        services.hand_over(b, courier_name="王师傅", lab=lab, by=users["sampler_a"])
        return services.receive_box(b, lab=lab, by=users["lab"])

    return go


@pytest.fixture
def full_pool(residents, swab):
    """A pooled tube of ten from village A, closed because full."""
    for p in residents[:10]:
        res = swab(p, "P0000001")
    return res.tube


def new_uuid() -> str:
    return str(uuid.uuid4())
