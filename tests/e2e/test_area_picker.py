"""The area picker in a browser: type a name, pick the right 四组 by its path, save; browse
the tree with the keyboard; all of it on a phone, with no console error or CSP violation."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from fangkong.people.models import Household
from tests.e2e.test_layout import PHONE, assert_fits
from tests.factories import add_area

pytestmark = pytest.mark.e2e


@pytest.fixture
def problems(page: Page) -> list[str]:
    """Console errors, CSP violations, uncaught errors and failed requests of the page."""
    found: list[str] = []
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))"
    )
    page.on("console", lambda m: found.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: found.append(f"page error: {e}"))
    page.on(
        "response",
        lambda r: (
            found.append(f"{r.status}: {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    return found


@pytest.fixture
def fours(county):
    return (
        add_area(county.village_a, "500242002001004", "四组", "group"),
        add_area(county.village_b, "500242101001004", "四组", "group"),
    )


def test_pick_an_area_by_typing_its_name_and_save(
    page: Page, users, county, fours, signed_in, problems
):
    signed_in(users["county"])
    page.goto("/people/households/new/")
    picker = page.locator(".area-picker")
    picker.get_by_test_id("area-search").fill("四组")
    options = picker.get_by_test_id("area-result")
    expect(options).to_have_count(2)  # the same name twice, told apart by the path
    expect(options.nth(0)).to_contain_text("钟多街道 › 桃花社区 › 四组")
    options.filter(has_text="龙潭镇 › 龙潭村 › 四组").click()
    expect(picker.get_by_test_id("area-path")).to_have_value("龙潭镇 › 龙潭村 › 四组")
    expect(picker.locator(".area-picker-panel")).to_be_hidden()

    page.fill("input[name=address]", "龙潭村四组8号")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/people/households/\d+/$"))
    household = Household.objects.get(address="龙潭村四组8号")
    assert household.area_id == fours[1].pk

    page.goto("/people/households/")
    expect(page.locator("#object-table")).to_contain_text("龙潭镇 › 龙潭村 › 四组")
    assert problems == []


def test_browse_the_tree_with_the_keyboard_on_a_phone(
    page: Page, users, county, fours, signed_in, problems
):
    signed_in(users["township_a"])
    page.set_viewport_size(PHONE)
    page.goto("/people/households/new/")
    picker = page.locator(".area-picker")
    search = picker.get_by_test_id("area-search")
    search.focus()
    search.press("ArrowDown")  # nothing typed: the tree opens at the officer's own area
    roots = picker.locator("[data-area-tree] > li")
    expect(roots).to_have_count(1)
    expect(roots.first).to_contain_text("钟多街道")
    expect(picker).not_to_contain_text("龙潭")  # another township is not offered
    roots.first.locator(".area-picker-toggle").click()
    village = roots.first.locator("li", has_text="桃花社区").first
    expect(village).to_be_visible()
    village.locator(".area-picker-pick").first.focus()
    page.keyboard.press("ArrowRight")  # opens the village
    group = village.locator("li", has_text="四组")
    expect(group).to_be_visible()
    page.keyboard.press("ArrowDown")  # to 四组
    page.keyboard.press("Enter")
    expect(picker.get_by_test_id("area-path")).to_have_value("钟多街道 › 桃花社区 › 四组")
    assert_fits(page)

    # pinyin initials, then Enter on the one match picks it without submitting the form
    search.fill("thsq")
    expect(picker.get_by_test_id("area-result")).to_have_count(1)
    search.press("Enter")
    expect(picker.get_by_test_id("area-path")).to_have_value("钟多街道 › 桃花社区")
    expect(page).to_have_url(re.compile(r"/people/households/new/$"))
    assert not Household.objects.exists()
    assert problems == []
