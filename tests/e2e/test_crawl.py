"""No broken promises: every page each demo login can reach from its navigation opens, with
no error, no CSP violation, no sideways scroll on a 390 px phone and no English or internal
code on the Chinese screen. The pages are discovered, not listed (see ``crawl.py``): a new
app's pages are held to the same rules the day they appear in a navigation."""

from __future__ import annotations

import io
import logging

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from playwright.sync_api import Browser

from fangkong.core.demo import DEMO_USERS
from fangkong.core.models import User
from tests.e2e.crawl import crawl, foreign_words, shape, timing_summary

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1366, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def demo(settings, tmp_path):
    import importlib

    from django.apps import apps

    from fangkong.policy.loader import load_shipped

    settings.VAR_DIR = tmp_path  # the demo's logins file goes here, not into var/
    # a transactional test before this one may have flushed what the migrations seeded
    load_shipped()
    for seeded in ("fangkong.workforce.migrations.0002_seed_sectors",
                   "fangkong.logistics.migrations.0002_seed_items"):  # fmt: skip
        importlib.import_module(seeded).seed(apps, None)
    call_command("demo", population=400, quiet_logins=True, stdout=io.StringIO())


def session_for(user, live_server) -> dict:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    return {"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}


def test_every_demo_login_reaches_only_pages_that_work(
    browser: Browser, live_server, demo, capsys, caplog
):
    caplog.set_level(logging.INFO, logger="fangkong.request")
    reports = []
    rendered: dict[int, set[str]] = {DESKTOP["width"]: set(), PHONE["width"]: set()}
    for username, _role, _area in DEMO_USERS:
        cookie = session_for(User.objects.get(username=username), live_server)
        reached: list[str] | None = None  # the phone visits what the desktop reached
        for viewport in (DESKTOP, PHONE):
            ctx = browser.new_context(locale="zh-CN", viewport=viewport)
            ctx.set_default_timeout(15_000)
            ctx.add_cookies([cookie])
            width = viewport["width"]
            report = crawl(ctx, live_server.url, username, width, True, rendered[width], reached)
            reached = report.pages
            reports.append(report)
            ctx.close()
    with capsys.disabled():
        print("\n" + timing_summary(caplog.records))
        for r in reports:
            print(f"  {r.user:<11} {r.width:>4}px {len(r.pages):>3} pages")
        problems = [p for r in reports for p in r.problems]
        print("\n".join(problems))
    for r in reports[::2]:  # the desktop crawls
        assert len(r.pages) > 1, f"{r.user} reached no page beyond home"
    assert problems == [], "\n".join(problems)


def test_the_crawler_tells_codes_from_words():
    assert foreign_words(["第1天 · 500242002001 · T20221123-0001 · 渝A12345 · ID · .xlsx"]) == []
    found = foreign_words(["规则 cn-20-measures", "kc01", "见 docs/design.md", "Home isolation"])
    assert len(found) == 4, found  # the code, kc01, the path, the English words
    assert "cn-20-measures" in found[0] and "Home, isolation" in found[3]


def test_one_visit_per_address_shape():
    assert shape("http://x/people/persons/17/") == shape("http://x/people/persons/18/")
    assert shape("http://x/a/?page=2&q=x") == shape("http://x/a/?q=y&page=3")
    assert shape("http://x/a/?page=2") != shape("http://x/a/")
