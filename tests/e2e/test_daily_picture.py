"""The county command reads the daily picture in Chinese, its charts drawn (canvases with
pixels on them), with no console errors (CSP: the data comes from a json_script), and on a
phone the page fits the screen."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from fangkong.control.services import start_episode
from fangkong.policy.choices import Reason
from fangkong.policy.loader import load_shipped
from tests.e2e.test_layout import assert_fits
from tests.factories import PersonFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def controlled(county, users):
    load_shipped()  # a transactional test may follow one that flushed the migrated rules
    since = timezone.localdate() - dt.timedelta(days=3)
    for area in (county.village_a, county.village_a, county.village_b):
        start_episode(PersonFactory(area=area), Reason.CLOSE_CONTACT, by=users["county"],
                      start_date=since)  # fmt: skip


def _painted(page: Page, key: str) -> bool:
    """Whether the chart's canvas has any non-transparent pixel."""
    return page.evaluate(
        """key => {
            const c = document.querySelector(`canvas[data-chart="${key}"]`);
            if (!c || !c.width || !c.height) return false;
            const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
            for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) return true;
            return false;
        }""",
        key,
    )


def test_the_county_reads_the_daily_picture_in_chinese_with_its_charts(
    page: Page, signed_in, users, county, controlled
):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    signed_in(users["county"])
    page.goto("/command/")
    expect(page.locator("h1")).to_have_text("每日态势")
    expect(page.get_by_test_id("section-control")).to_contain_text("管控人数")
    expect(page.locator('[data-figure="control.total"] strong')).to_contain_text("3")
    for key in ("control_population", "capacity", "testing"):
        canvas = page.locator(f'canvas[data-chart="{key}"]')
        expect(canvas).to_have_attribute("data-drawn", "1")
        assert _painted(page, key), key
    table = page.get_by_test_id("township-table")
    expect(table).to_contain_text(county.town_a.name)
    table.get_by_role("link", name=county.town_a.name).click()
    expect(page.locator("h1")).to_contain_text(county.town_a.name)
    expect(page.locator('[data-figure="control.total"] strong')).to_contain_text("2")
    assert not errors, errors


def test_the_daily_picture_fits_a_phone(page: Page, signed_in, users, controlled):
    signed_in(users["township_a"])
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/command/")
    expect(page.locator('canvas[data-chart="control_population"]')).to_have_attribute(
        "data-drawn", "1"
    )
    assert_fits(page)
