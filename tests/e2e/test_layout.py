"""What the pages look like: phone width, the content security policy, the README picture."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import REPO
from tests.factories import PersonFactory

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
OVERFLOW_JS = """() => {
  const doc = document.documentElement;
  const wide = [...document.querySelectorAll('table')]
    .filter(t => t.scrollWidth > t.parentElement.clientWidth + 1)
    .map(t => {
      const box = t.closest('.overflow-auto');
      const style = box ? getComputedStyle(box).overflowX : 'none';
      return {scrollable: !!box && (style === 'auto' || style === 'scroll'),
              boxWidth: box ? box.getBoundingClientRect().width : null};
    });
  return {scrollWidth: doc.scrollWidth, innerWidth: window.innerWidth, wide};
}"""


def assert_fits(page: Page) -> None:
    m = page.evaluate(OVERFLOW_JS)
    assert m["scrollWidth"] <= m["innerWidth"] + 1, (page.url, m)
    for table in m["wide"]:  # a table wider than its column must scroll inside its own box
        assert table["scrollable"], (page.url, m)
        assert table["boxWidth"] <= m["innerWidth"] + 1, (page.url, m)


def few_persons(county):
    """Six more people besides the fixtures' 张三 and 李四, in both townships."""
    for i, name in enumerate(["王五", "赵六", "欧阳娜娜", "司马长风", "钱七", "孙八"]):
        PersonFactory(area=county.village_a if i % 2 == 0 else county.village_b, name=name)


def test_phone_width_has_no_sideways_scroll(
    page: Page, users, county, person_a, person_b, signed_in
):
    few_persons(county)
    signed_in(users["county"])
    page.set_viewport_size(PHONE)
    for url in ("/", "/people/persons/"):
        page.goto(url)
        expect(page.locator("main h1")).to_be_visible()
        assert_fits(page)
    page.locator("#object-table tbody a").first.click()  # a person's page
    expect(page.locator("#pii-id")).to_be_visible()
    assert_fits(page)


def test_no_content_security_policy_errors(page: Page, users, county, person_a, signed_in):
    few_persons(county)
    problems: list[str] = []
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))"
    )
    page.on(
        "console",
        lambda m: (
            problems.append(f"console {m.type}: {m.text}")
            if m.type == "error"
            and ("Content Security Policy" in m.text or "CSP" in m.text or "Refused to" in m.text)
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    # ERR_ABORTED is the browser cancelling a request because the test navigated on (the
    # favicon, mostly): not a failure anyone sees. Any other failure counts.
    page.on(
        "requestfailed",
        lambda r: (
            problems.append(f"failed: {r.url} {r.failure}")
            if "ERR_ABORTED" not in (r.failure or "")
            else None
        ),
    )
    page.on(
        "response",
        lambda r: (
            problems.append(f"{r.status}: {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    signed_in(users["county"])
    page.goto("/")
    expect(page.get_by_test_id("my-areas")).to_be_visible()
    page.goto("/people/persons/")
    page.locator("form.filters input[name=q]").fill("zs")
    page.locator("form.filters input[name=q]").press("Enter")
    expect(page.get_by_test_id("result-count")).to_contain_text("1")
    page.goto(f"/people/persons/{person_a.pk}/")
    page.get_by_test_id("reveal-id").click()
    expect(page.get_by_test_id("revealed")).to_have_text(person_a.id_number)
    page.goto("/people/persons/new/")
    expect(page.locator("main form")).to_be_visible()
    assert page.evaluate("typeof htmx") == "object"  # the script loaded and ran
    assert problems == []


def test_readme_screenshot(page: Page, users, county, person_a, person_b, signed_in, tmp_path):
    """The README's picture of the home page; refreshed in docs/img/ only when
    FANGKONG_UPDATE_SCREENSHOTS=1, so an ordinary run leaves the work tree alone."""
    few_persons(county)
    user = users["county"]
    user.display_name = "王建国"  # a fixed name: the picture only changes when the page does
    user.save(update_fields=["display_name"])
    signed_in(user)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.get_by_test_id("my-roles")).to_be_visible()
    page.evaluate("document.fonts.ready")
    update = os.environ.get("FANGKONG_UPDATE_SCREENSHOTS") == "1"
    out = (REPO / "docs" / "img" if update else tmp_path) / "home.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out))
    assert out.stat().st_size > 10_000


def test_the_chain_of_who_answers_is_read_whole_at_1366_and_as_cards_on_a_phone(
    page: Page, users, county, person_a, signed_in
):
    from fangkong.areas.services.responsibilities import assign_responsibility

    assign_responsibility(by=users["county"], area=county.village_a, role="village_cadre",
                          person_name="刘书记", phone="13312345678")  # fmt: skip
    signed_in(users["county"])
    page.set_default_timeout(30_000)  # the live server's first page compiles its templates
    page.set_viewport_size({"width": 1366, "height": 800})
    page.goto(f"/people/persons/{person_a.pk}/")
    chain = page.locator("#chain table")
    expect(chain.get_by_test_id("chain-link").first).to_be_visible()
    fits = "t => t.scrollWidth <= t.parentElement.clientWidth + 1"
    assert chain.evaluate(fits)  # the whole table, no column cut or scrolled away
    page.set_viewport_size(PHONE)
    page.reload()
    assert_fits(page)
    assert chain.evaluate("t => getComputedStyle(t.querySelector('thead')).display") == "none"
