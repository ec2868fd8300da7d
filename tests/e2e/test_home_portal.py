"""A resident under home isolation opens their personal link on a phone: the page is in
Chinese and fits the screen; a temperature of 50 is refused in Chinese, 36.6 is taken; a
second report at once is refused; a grocery request is received."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from fangkong.control.services import start_episode
from fangkong.core.roles import Role
from fangkong.home_isolation import services
from fangkong.home_isolation.models import HealthReport, ServiceRequest
from tests.e2e.conftest import CJK
from tests.e2e.test_layout import PHONE, assert_fits
from tests.factories import HouseholdFactory, PersonFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def resident_link(county, make_user):
    from fangkong.policy.loader import load_shipped

    load_shipped()  # the national rule sets (a transactional test may have flushed them)
    cadre = make_user(Role.VILLAGE_CADRE, county.village_a, username="village_a")
    boss = make_user(Role.COUNTY_COMMAND, county.county, username="county")
    home = HouseholdFactory(area=county.village_a, address="桃花路8号")
    person = PersonFactory(area=county.village_a, household=home, name="张三", phone="")
    start_episode(person, "left_high_risk_area", start_date=timezone.localdate(), by=boss)
    return services.issue_link(person, by=cadre, send=False)


def test_a_resident_reports_and_asks_for_groceries_on_a_phone(page: Page, resident_link):
    page.set_viewport_size(PHONE)
    page.goto(f"/r/{resident_link.token}/")
    expect(page.get_by_test_id("portal-person")).to_contain_text("张三")
    expect(page.get_by_test_id("portal-facts")).to_contain_text("第1天")
    assert CJK.search(page.locator("h1").inner_text())
    assert_fits(page)

    form = page.get_by_test_id("report-form")
    form.locator("input[name=temperature]").fill("50")
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("report-error")).to_contain_text("体温")
    assert_fits(page)
    assert not HealthReport.objects.exists()

    form = page.get_by_test_id("report-form")
    form.locator("input[name=temperature]").fill("36.6")
    form.locator("input[value=cough]").check()
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("portal-done")).to_contain_text("申报已收到")
    assert HealthReport.objects.get().symptoms == ["cough"]

    form = page.get_by_test_id("report-form")
    form.locator("input[name=temperature]").fill("36.5")
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("report-error")).to_contain_text("分钟内已申报")
    assert HealthReport.objects.count() == 1

    req = page.get_by_test_id("request-form")
    req.locator("select[name=kind]").select_option("groceries")
    req.locator("input[name=note]").fill("米和油")
    req.locator("button[type=submit]").click()
    expect(page.get_by_test_id("portal-done")).to_contain_text("申请已收到")
    assert ServiceRequest.objects.get().note == "米和油"
    assert_fits(page)


def test_someone_elses_or_a_made_up_link_is_refused_in_chinese(page: Page, resident_link):
    page.set_viewport_size(PHONE)
    page.goto("/r/not-a-real-link-000000000000/")
    expect(page.get_by_test_id("portal-refused")).to_contain_text("链接无效")
    assert "张三" not in page.content()


def test_the_village_pages_fit_a_phone(page: Page, signed_in, resident_link, county):
    from fangkong.core.models import User

    services.fit_seal(resident_link.link.person.household, kind="seal", number="FT-01",
                      consent=True, by=User.objects.get(username="village_a"))  # fmt: skip
    services.create_request(resident_link.link.person, kind="groceries",
                            by=User.objects.get(username="village_a"))  # fmt: skip
    signed_in(User.objects.get(username="village_a"))
    page.set_viewport_size(PHONE)
    hh = resident_link.link.person.household_id
    for url in ("/home-isolation/", f"/home-isolation/households/{hh}/", "/home-isolation/missed/",
                "/home-isolation/requests/", "/home-isolation/requests/board/",
                "/home-isolation/alerts/", "/home-isolation/reviews/"):  # fmt: skip
        page.goto(url)
        expect(page.locator("main h1")).to_be_visible()
        assert_fits(page)
    page.goto(f"/home-isolation/households/{hh}/")
    expect(page.get_by_test_id("day-n")).to_contain_text("第1天")
    expect(page.get_by_test_id("home-seal")).to_contain_text("FT-01")
