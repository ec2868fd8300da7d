"""Cases on a phone: the list, a case with its contacts, the streak and a chain drawn by
cytoscape.js, in Chinese, at 390 px without sideways scrolling or a CSP error."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from fangkong.cases import services
from tests.e2e.test_layout import PHONE, assert_fits
from tests.factories import PersonFactory

pytestmark = pytest.mark.e2e


def test_case_pages_on_a_phone_and_the_chain_drawn(page: Page, users, county, signed_in):
    by = users["county"]
    first = services.register_case(
        PersonFactory(area=county.village_a, name="欧阳娜娜"), kind="confirmed",
        sampled_at=timezone.now() - dt.timedelta(hours=5), sampling_place="桃花社区核酸采样点",
        by=by,
    )  # fmt: skip
    contacts = [PersonFactory(area=county.village_a) for _ in range(5)]
    services.register_contacts(first, [services.ContactEntry(person=p) for p in contacts], by=by)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    signed_in(by)
    page.set_viewport_size(PHONE)
    page.context.set_extra_http_headers({"Accept-Language": "zh-Hans"})
    for url in ("/cases/", first.get_absolute_url(), "/cases/streak/", "/cases/chains/"):
        page.goto(url)
        expect(page.locator("main h1")).to_be_visible()
        assert_fits(page)
    page.goto(first.get_absolute_url())
    expect(page.get_by_test_id("case-found")).to_contain_text("社会面发现")
    page.goto(f"/cases/chains/{first.cluster}/")
    expect(page.get_by_test_id("chain-status")).to_have_text("6 / 5")
    assert page.locator("#chain-graph canvas").count() >= 1  # cytoscape drew it
    assert_fits(page)
    assert problems == []
