"""Browser tests: pytest-django's live server driven by Debian's Chromium through Playwright.

Run with ``pytest -m e2e -p no:xdist tests/e2e``. Chromium comes from the system
(``apt-get install -y chromium fonts-noto-cjk``); Playwright never downloads a browser here.

Playwright's sync API runs an event loop in the test thread, and Django refuses synchronous
database calls from a thread with a running loop; the tests (not the server) read the ORM,
so ``DJANGO_ALLOW_ASYNC_UNSAFE`` is set while this package's tests run, and Playwright is
stopped after them, so tests collected after this package see neither.

The live server serves static files itself (pytest-django wraps it in staticfiles'
``StaticFilesHandler`` because ``django.contrib.staticfiles`` is installed), so Pico, app.css
and htmx load without ``collectstatic``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.conftest import PASSWORD

CHROMIUM = os.environ.get("FANGKONG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
REPO = Path(__file__).resolve().parents[2]
ZH_MO = REPO / "fangkong" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.mo"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def _english_by_default():
    """Overrides the suite-wide fixture of that name: the browser sees the shipped default
    (Chinese) and picks its language through Accept-Language and the switcher."""


@pytest.fixture(autouse=True)
def _e2e_db(transactional_db):
    """The live server thread reads the test database: every e2e test is transactional."""


@pytest.fixture(autouse=True, scope="package")
def _allow_orm_beside_playwright() -> Iterator[None]:
    old = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if old is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = old


@pytest.fixture(scope="package")
def browser(_allow_orm_beside_playwright) -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install -y chromium fonts-noto-cjk)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(browser: Browser, live_server) -> Iterator[BrowserContext]:
    """A fresh browser profile per test: Chinese locale, desktop size, no cookies."""
    ctx = browser.new_context(
        locale="zh-CN",
        base_url=live_server.url,
        viewport={"width": 1280, "height": 800},
    )
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def sign_in(page: Page):
    """Sign in through the login form, as a user does."""

    def do(user, password: str = PASSWORD) -> Page:
        page.goto("/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", password)
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state("domcontentloaded")
        return page

    return do


@pytest.fixture
def signed_in(context: BrowserContext, page: Page, live_server):
    """A session for ``user`` put straight into the browser (skips the form; for tests that
    are about something other than signing in)."""

    def do(user) -> Page:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
        )
        return page

    return do
