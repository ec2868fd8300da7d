"""The person register: scoped list with htmx search, detail with audited reveal, the form."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from fangkong.core.models import AuditLog
from fangkong.core.pii import mask_id_number
from fangkong.people.idnumber import check_character
from fangkong.people.models import Person
from tests.factories import PersonFactory

pytestmark = pytest.mark.e2e


def shown_count(page: Page) -> int:
    text = page.get_by_test_id("result-count").inner_text()
    match = re.search(r"\d+", text)
    assert match, text
    return int(match.group())


def test_person_list_is_scoped_and_searchable(
    page: Page, users, county, person_a, person_b, signed_in
):
    PersonFactory(area=county.village_a, name="王五")
    signed_in(users["township_a"])
    page.goto("/people/persons/")

    table = page.locator("#object-table table")
    expect(table).to_contain_text("张三")
    expect(table).to_contain_text("王五")
    expect(table).not_to_contain_text("李四")  # 龙潭镇, another township
    assert shown_count(page) == 2

    page.evaluate("window.fkNoReload = true")  # survives only if htmx swaps in place
    search = page.locator("form.filters input[name=q]")
    search.fill("zs")  # pinyin initials of 张三
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]q=zs\b"))
    expect(page.get_by_test_id("result-count")).not_to_contain_text("2")
    assert shown_count(page) == 1
    expect(table).to_contain_text("张三")
    expect(table).not_to_contain_text("王五")
    assert page.evaluate("window.fkNoReload") is True

    search.fill("王")
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]q=%E7%8E%8B"))
    expect(table).to_contain_text("王五")
    expect(table).not_to_contain_text("张三")
    assert shown_count(page) == 1

    search.fill("ls")  # 李四 exists, but not in this officer's township
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]q=ls\b"))
    expect(page.get_by_test_id("result-count")).not_to_contain_text("1")
    assert shown_count(page) == 0
    assert page.evaluate("window.fkNoReload") is True


def test_person_detail_reveal_is_in_place_and_audited(page: Page, users, person_a, signed_in):
    user = users["township_a"]
    number = person_a.id_number
    signed_in(user)
    page.goto(f"/people/persons/{person_a.pk}/")

    pii = page.locator("#pii-id")
    expect(pii).to_have_text(mask_id_number(number))
    expect(page.locator("main")).not_to_contain_text(number)
    assert not AuditLog.objects.filter(action=AuditLog.Action.REVEAL).exists()

    page.evaluate("window.fkNoReload = true")
    page.get_by_test_id("reveal-id").click()
    expect(pii.get_by_test_id("revealed")).to_have_text(number)
    assert page.evaluate("window.fkNoReload") is True

    entry = AuditLog.objects.get(action=AuditLog.Action.REVEAL)
    assert entry.actor_id == user.pk
    assert entry.object_type == "people.person"
    assert entry.object_id == str(person_a.pk)
    assert entry.detail == "id_number"


def test_reveal_over_the_limit_says_when_to_try_again(
    page: Page, users, person_a, signed_in, settings, monkeypatch
):
    from fangkong.core import ratelimit

    settings.FANGKONG_RATE_LIMITS = {"pii.reveal": (1, 600), "person.search": (100, 600)}
    monkeypatch.setattr(ratelimit, "_now", lambda: 1_800_000_000 // 600 * 600 + 60)
    signed_in(users["township_a"])
    page.goto(f"/people/persons/{person_a.pk}/")
    page.get_by_test_id("reveal-id").click()
    expect(page.locator("#pii-id").get_by_test_id("revealed")).to_have_text(person_a.id_number)
    page.get_by_test_id("reveal-id").click()  # the second, over the limit
    expect(page.get_by_role("alert")).to_contain_text("查看过于频繁，请 9 分钟后再试")
    assert AuditLog.objects.filter(action=AuditLog.Action.REVEAL).count() == 1


def test_register_person_with_bad_id_number_names_the_field(page: Page, users, county, signed_in):
    first17 = "50024219900307451"
    right = check_character(first17)
    bad = first17 + ("1" if right != "1" else "2")  # a wrong check character
    before = Person.objects.count()
    signed_in(users["township_a"])
    page.goto("/people/persons/new/")
    page.get_by_test_id("area-search").fill("桃花")
    page.get_by_test_id("area-result").filter(has_text="桃花社区").click()
    expect(page.get_by_test_id("area-path")).to_have_value("钟多街道 › 桃花社区")
    page.fill("input[name=name]", "赵六")
    page.fill("input[name=id_number]", bad)
    page.locator("main form button[type=submit]").click()

    expect(page).to_have_url("/people/persons/new/")
    error = page.locator("small.error[data-field=id_number]")
    expect(error).to_be_visible()
    label = page.locator("label[for=id_id_number]").inner_text().replace("*", "").strip()
    expect(error).to_contain_text(label)
    expect(page.locator(".field.has-error input[name=id_number]")).to_have_value(bad)
    assert Person.objects.count() == before
    assert not Person.objects.filter(name="赵六").exists()
