"""A site manager works the room board from a phone: the page fits the screen and each tap
records the room's next turnover step in place."""

import pytest
from playwright.sync_api import Page, expect

from fangkong.core.roles import Role
from fangkong.sites.models import Room, TurnoverStep
from fangkong.sites.services import SiteData, bulk_create_rooms, create_site, set_room_state
from tests.e2e.test_layout import assert_fits

pytestmark = pytest.mark.e2e


@pytest.fixture
def site_with_a_dirty_room(county, make_user):
    manager = make_user(Role.SITE_MANAGER, county.town_a, username="site_a")
    site = create_site(
        by=manager,
        data=SiteData(name="桃花源酒店", kind="hotel", address="桃花源大道1号", area=county.town_a),
    )
    bulk_create_rooms(site, by=manager, floors=2, rooms_per_floor=6)
    room = Room.objects.get(site=site, number="101")
    # A room comes back from repairs dirty: out of service, then into turnover.
    set_room_state(room, "out_of_service", by=manager, reason="维修")
    set_room_state(room, "awaiting_disinfection", by=manager)
    return manager, site


def test_the_board_fits_a_phone_and_a_tap_records_the_next_step(
    page: Page, signed_in, site_with_a_dirty_room
):
    manager, site = site_with_a_dirty_room
    signed_in(manager)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/sites/{site.pk}/board/")
    assert_fits(page)
    button = page.get_by_test_id("step-101")
    expect(button).to_be_visible()
    button.click()
    # the card moved into its new group, without a reload, and left the old one
    moved = page.locator("#group-disinfected").get_by_test_id("room-101")
    expect(moved).to_contain_text("已消杀")
    expect(page.locator("#group-awaiting_disinfection").get_by_test_id("room-101")).to_have_count(0)
    expect(page.get_by_test_id("count-disinfected")).to_have_text("1")
    step = TurnoverStep.objects.get(room__site=site, room__number="101")
    assert step.step == "disinfection"
    assert step.by_id == manager.pk
    assert Room.objects.get(site=site, number="101").state == "disinfected"


def test_a_tap_after_the_role_was_withdrawn_says_why_in_chinese_and_records_nothing(
    page: Page, signed_in, site_with_a_dirty_room
):
    from fangkong.core.models import UserRole

    manager, site = site_with_a_dirty_room
    signed_in(manager)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/sites/{site.pk}/board/")
    UserRole.objects.filter(user=manager).delete()  # while the page is open on the phone
    page.get_by_test_id("step-101").click()
    expect(page.get_by_role("alert")).to_have_text("您的角色不允许此操作。")
    assert not TurnoverStep.objects.filter(room__site=site).exists()


def test_a_tap_that_the_gateway_fails_shows_the_status_and_records_nothing(
    page: Page, signed_in, site_with_a_dirty_room
):
    manager, site = site_with_a_dirty_room
    signed_in(manager)
    page.goto(f"/sites/{site.pk}/board/")
    # the site's mobile network or proxy answers instead of fangkong
    page.route("**/rooms/*/step/", lambda route: route.fulfill(status=502, body="Bad Gateway"))
    page.get_by_test_id("step-101").click()
    expect(page.get_by_role("alert")).to_have_text("请求失败（HTTP 502），请重试。")
    assert not TurnoverStep.objects.filter(room__site=site).exists()
