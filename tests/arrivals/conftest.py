import datetime as dt

import pytest
from django.utils import timezone

from fangkong.arrivals import services
from fangkong.arrivals.choices import RiskLevel
from fangkong.core.roles import Role

VALID_ID = "513101198201130014"
OTHER_ID = "360426199101010071"


@pytest.fixture
def staff(county, make_user, users):
    """The operators of the shared fixture, plus a village cadre of township B's village and
    a checkpoint officer in township A."""
    return {
        **users,
        "village_b": make_user(Role.VILLAGE_CADRE, county.village_b, username="village_b"),
        "checkpoint_a": make_user(Role.CHECKPOINT_OFFICER, county.town_a, username="cp_a"),
    }


@pytest.fixture
def origins(users):
    """A high-risk street in Chongqing's 沙坪坝 and a low-risk district elsewhere."""
    day = timezone.localdate() - dt.timedelta(days=3)
    by = users["county"]
    high = services.save_origin(services.OriginData(
        level=RiskLevel.HIGH, province="重庆市", city="重庆市", county="沙坪坝区",
        street="井口街道", effective_from=day), by=by)  # fmt: skip
    low = services.save_origin(services.OriginData(
        level=RiskLevel.LOW, province="广东省", city="广州市", county="海珠区",
        effective_from=day), by=by)  # fmt: skip
    return {"high": high, "low": low}


def arrival_data(county, **over):
    values = dict(
        name="王五",
        id_number=VALID_ID,
        phone="13800138000",
        origin_province="重庆市",
        origin_city="重庆市",
        origin_county="沙坪坝区",
        origin_street="井口街道",
        travel_mode="rail",
        travel_number="G1234",
        arrival_date=timezone.localdate(),
        area_id=county.village_a.pk,
        address="桃花路1号",
        test_result="negative_48h",
        code_colour="green",
    )
    values.update(over)
    return services.ArrivalData(**values)


@pytest.fixture
def make_arrival(county, origins):
    def make(**over):
        return services.preregister(arrival_data(county, **over))[0]

    return make
