"""On a phone, in Chinese: a returning resident pre-registers through the public page (no
account) and gets a reference number; checkpoint staff record a car with its driver and a
passenger going home, the entry queued on the phone and uploaded, the outcomes shown, and
the passenger handed to the village as an arrival."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from fangkong.arrivals import services as arrivals
from fangkong.arrivals.models import Arrival
from fangkong.checkpoints import services as checkpoints
from fangkong.checkpoints.models import PersonCheck
from fangkong.core.roles import Role
from tests.e2e.test_layout import PHONE, assert_fits

pytestmark = pytest.mark.e2e


@pytest.fixture
def high_risk_origin(make_user, county):
    boss = make_user(Role.COUNTY_COMMAND, county.county, username="county")
    arrivals.save_origin(arrivals.OriginData(
        level="high", province="重庆市", city="重庆市", county="沙坪坝区",
        effective_from=timezone.localdate() - dt.timedelta(days=2)), by=boss)  # fmt: skip
    return boss


def test_pre_registration_on_a_phone_in_chinese(page: Page, live_server, county, high_risk_origin):
    page.set_viewport_size(PHONE)
    page.goto("/baobei/")
    expect(page.locator("h1")).to_contain_text("返乡报备")
    assert_fits(page)
    box = page.locator("label.hp").bounding_box()  # the honeypot: off the screen for people
    assert box is not None and box["x"] + box["width"] <= 0
    page.fill("input[name=name]", "王五")
    page.fill("input[name=id_number]", "513101198201130015")  # a mistyped digit
    page.fill("input[name=phone]", "13800138000")
    page.fill("input[name=origin_province]", "重庆市")
    page.fill("input[name=origin_city]", "重庆市")
    page.fill("input[name=origin_county]", "沙坪坝区")
    page.select_option("select[name=travel_mode]", "car")
    page.fill("input[name=plate]", "渝A12345")
    page.select_option("select[name=area]", str(county.village_a.pk))
    page.fill("input[name=address]", "桃花路1号")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_test_id("error-id_number")).to_contain_text("校验")
    assert Arrival.objects.count() == 0
    page.fill("input[name=id_number]", "513101198201130014")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_test_id("prereg-done")).to_contain_text("报备成功")
    arrival = Arrival.objects.get()
    expect(page.get_by_test_id("reference")).to_have_text(arrival.reference)
    assert arrival.risk == "high" and arrival.area == county.village_a
    assert_fits(page)


def test_a_checkpoint_entry_on_a_phone(page: Page, signed_in, county, make_user, high_risk_origin):
    officer = make_user(Role.CHECKPOINT_OFFICER, county.town_a, username="cp")
    cp = checkpoints.create_checkpoint(checkpoints.CheckpointData(
        name="G65酉阳出口", area=county.town_a, location="包茂高速"), by=high_risk_origin)  # fmt: skip
    signed_in(officer)
    page.set_viewport_size(PHONE)
    page.goto(f"/checkpoints/{cp.pk}/check/")
    expect(page.locator("h1")).to_contain_text("G65酉阳出口")
    assert_fits(page)
    page.get_by_test_id("plate").fill("渝A12345")
    driver = page.locator("#persons .person").nth(0)
    driver.locator("input[name=driver]").check()
    driver.locator("input[name=name]").fill("司机甲")
    driver.locator("input[name=id_number]").fill("11010519491231002X")
    driver.locator("input[name=phone]").fill("13800138001")
    driver.locator("input[name=origin_province]").fill("四川省")
    driver.locator("input[name=test_48h]").check()
    page.get_by_test_id("add-person").click()
    home = page.locator("#persons .person").nth(1)
    home.locator("input[name=name]").fill("王五")
    home.locator("input[name=id_number]").fill("513101198201130014")
    home.locator("input[name=phone]").fill("13800138000")
    home.locator("input[name=origin_province]").fill("重庆市")
    home.locator("input[name=origin_city]").fill("重庆市")
    home.locator("input[name=origin_county]").fill("沙坪坝区")
    home.locator("select[name=destination_area_id]").select_option(str(county.village_a.pk))
    home.locator("input[name=address]").fill("桃花路1号")
    assert_fits(page)
    page.get_by_test_id("record").click()
    outcomes = page.get_by_test_id("outcome")
    expect(outcomes).to_have_count(2)
    expect(page.get_by_test_id("results")).to_contain_text("移交属地")
    expect(page.get_by_test_id("results")).to_contain_text("放行")
    expect(page.get_by_test_id("queue-status")).to_contain_text("已全部上传")
    assert PersonCheck.objects.count() == 2
    arrival = Arrival.objects.get()
    assert arrival.source == "checkpoint" and arrival.area == county.village_a
    # the queue is empty: reloading sends nothing twice
    page.reload()
    expect(page.get_by_test_id("queue-status")).to_have_text("")
    assert PersonCheck.objects.count() == 2
