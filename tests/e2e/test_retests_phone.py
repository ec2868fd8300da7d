"""A door-to-door team works its retest list from a phone: the page fits the screen, a tube
barcode typed (as a scanner does) and Enter records the sample in place, and the person
leaves the open list."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from fangkong.core.roles import Role
from fangkong.testing import services
from fangkong.testing.models import RetestTask
from tests.e2e.test_layout import PHONE, assert_fits
from tests.factories import HouseholdFactory, PersonFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def door_to_door(county, make_user):
    """Two people of 桃花社区 not yet sampled in the round, sent to door-to-door sampling; a
    sampler of the township with one testing point."""
    boss = make_user(Role.COUNTY_COMMAND, county.county, username="county")
    sampler = make_user(Role.SAMPLER, county.town_a, username="sampler_a")
    services.create_point(name="上门采样队", kind="door_to_door", area=county.town_a,
                          samplers=[sampler], by=boss)  # fmt: skip
    now = timezone.now()
    rnd = services.create_round(name="第1轮", areas=[county.town_a], by=boss,
                                starts_at=now - dt.timedelta(hours=2),
                                ends_at=now + dt.timedelta(days=1))  # fmt: skip
    for address, name in (("幸福路1号", "王五"), ("幸福路2号", "赵六")):
        home = HouseholdFactory(area=county.village_a, address=address, floor=2)
        PersonFactory(area=county.village_a, household=home, name=name)
    services.send_missing_to_door_to_door(rnd, area=county.village_a, by=boss)
    return sampler


def test_a_sampler_records_a_retest_from_a_phone(page: Page, signed_in, door_to_door):
    signed_in(door_to_door)
    page.set_viewport_size(PHONE)
    page.goto("/testing/retests/")
    rows = page.get_by_test_id("retest-row")
    expect(rows).to_have_count(2)
    assert_fits(page)
    first = rows.first
    expect(first).to_contain_text("王五")  # walking order: 幸福路1号 before 2号
    tube = first.get_by_test_id("retest-tube")
    tube.click()
    tube.press_sequentially("D0000001")
    tube.press("Enter")
    expect(page.get_by_test_id("retest-done")).to_contain_text("D0000001")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("赵六")
    expect(rows.first.get_by_test_id("retest-tube")).to_be_focused()  # ready for the next door
    task = RetestTask.objects.get(person__name="王五")
    assert task.state == "sampled" and task.retest_tube.barcode == "D0000001"
    assert task.retest_tube.kind == "single" and task.done_by_id == door_to_door.pk
