import uuid

import pytest
from django.utils import timezone

from fangkong.checkpoints import services
from tests.arrivals.conftest import origins, staff  # noqa: F401 - shared fixtures


@pytest.fixture
def checkpoint(county, users):
    return services.create_checkpoint(
        services.CheckpointData(
            name="G65酉阳出口", area=county.town_a, location="包茂高速酉阳收费站"
        ),
        by=users["county"],
    )


def person(**over):
    values = {
        "client_uuid": str(uuid.uuid4()), "name": "王五", "id_number": "513101198201130014",
        "phone": "13800138000", "driver": False, "origin_province": "重庆市",
        "origin_city": "重庆市", "origin_county": "渝北区", "code_colour": "green",
        "test_48h": True, "itinerary_star": False, "temperature": "36.5",
        "destination_area_id": None, "address": "",
    }  # fmt: skip
    values.update(over)
    return values


def vehicle(*persons, **over):
    values = {
        "client_uuid": str(uuid.uuid4()), "checked_at": timezone.now().isoformat(),
        "plate": "渝A12345", "tractor_plate": "", "kind": "car", "freight": False,
        "persons": list(persons) or [person(driver=True)],
    }  # fmt: skip
    values.update(over)
    return values
