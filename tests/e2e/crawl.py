"""The crawler behind ``test_crawl.py``: every page a signed-in user can reach.

It starts from the links of the user's navigation (and the home page's), follows the
same-origin links it finds on each page (GET only, never sign-out or downloads), up to a
depth and a page count, and visits one page per address *shape* (``/people/persons/17/``
and ``/people/persons/18/`` are the same page), so a new app's pages are crawled without
anyone listing them. On every page it records:

- any response of 400 or more (the page and what it loads), console errors, uncaught
  errors and content-security-policy violations;
- the document's width against the window's (no sideways scroll on a phone);
- in the Chinese interface, visible text that is not Chinese: English words, lower-case
  internal codes (``cn-20-measures``, ``kc01``) and file paths. Codes a user needs (ID
  numbers, barcodes, plates, user names) are marked in the templates with ``<code>``,
  ``<kbd>``, ``<samp>`` or ``translate="no"`` and are not read; upper-case codes with
  digits (barcodes, area codes), numbers and a few acronyms (``ID``, ``API``) pass;

Also every ``hx-get`` address on a page is fetched with the user's session: a button that
loads something the role cannot open is a broken promise as much as a link.
"""

from __future__ import annotations

import re
import statistics
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from playwright.sync_api import BrowserContext, Page
from playwright.sync_api import Error as PlaywrightError

MAX_DEPTH = 2
MAX_PAGES = 60  # per user and viewport
SKIP = re.compile(
    r"/(logout|login|i18n|admin)/|/api/v1/(docs|openapi)|\.(xlsx|csv|pdf|zip|json|txt)$"
    r"|/export|[?&]export=|/download|/errors\.xlsx"
)
NUMBER = re.compile(r"\d+")

# Latin text that may reach a Chinese screen.
ALLOWED_WORDS = {
    "ID", "API", "PDF", "CSV", "QR", "SMS", "OK", "PCR", "Ct", "CT", "ORF1ab", "N", "HTTP",
    "IgM", "IgG", "Excel", "xlsx", "csv", "OpenAPI", "Chromium", "English", "TOTP", "App", "VIP", "fangkong",
}  # fmt: skip
TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9_./\-]*[A-Za-z0-9]|[A-Za-z]")

TEXT_JS = """() => {
  const skip = 'CODE,KBD,SAMP,SCRIPT,STYLE,NOSCRIPT,TEMPLATE,OPTION,TEXTAREA,SELECT';
  const out = [];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {
    acceptNode(n) {
      for (let e = n.parentElement; e; e = e.parentElement) {
        if (skip.includes(e.tagName) || e.getAttribute('translate') === 'no' ||
            e.hidden || e.getAttribute('aria-hidden') === 'true') return NodeFilter.FILTER_REJECT;
      }
      const box = n.parentElement.getBoundingClientRect();
      if (!box.width && !box.height) return NodeFilter.FILTER_REJECT;
      return NodeFilter.FILTER_ACCEPT;
    }});
  while (walk.nextNode()) { const t = walk.currentNode.textContent.trim(); if (t) out.push(t); }
  for (const el of document.querySelectorAll('[placeholder],[title],[aria-label]')) {
    for (const a of ['placeholder', 'title', 'aria-label']) {
      const v = el.getAttribute(a); if (v && el.closest('[translate=no],code') === null) out.push(v);
    }
  }
  for (const el of document.querySelectorAll('input[type=submit],input[type=button]'))
    out.push(el.value);
  for (const el of document.querySelectorAll('select option')) out.push(el.textContent.trim());
  return out;
}"""
WIDTH_JS = "() => [document.documentElement.scrollWidth, window.innerWidth]"
# Form fields that hide what they hold or offer nothing readable.
FORMS_JS = """() => {
  const out = [];
  for (const i of document.querySelectorAll('input[type=date]'))
    if (i.getAttribute('value') && !i.value)
      out.push(`date field ${i.name} shows nothing for ${i.getAttribute('value')}`);
  for (const o of document.querySelectorAll('select option'))
    if (/^-{3,}$/.test(o.textContent.trim()))
      out.push(`a choice of ${o.parentElement.name} reads ${o.textContent.trim()}`);
  return out;
}"""


def shape(url: str) -> str:
    """The address with its numbers and query values blanked: one visit per shape."""
    parts = urlsplit(url)
    query = "&".join(sorted(q.split("=")[0] for q in parts.query.split("&") if q))
    return NUMBER.sub("N", parts.path) + ("?" + query if query else "")


def foreign_words(texts: list[str]) -> list[str]:
    """Texts (each once) holding Latin tokens a Chinese reader should not meet."""
    return [
        f"{', '.join(words)} in {text[:90]!r}" for text in dict.fromkeys(texts)
        if (words := _foreign_tokens(text))
    ]  # fmt: skip


def _foreign_tokens(text: str) -> list[str]:
    found = []
    for token in TOKEN.findall(text):
        if token in ALLOWED_WORDS or token.rstrip(".") in ALLOWED_WORDS:
            continue
        if token.isupper() or (any(c.isdigit() for c in token) and token == token.upper()):
            continue  # barcodes, area codes, plates, acronyms
        if len(token) == 1:
            continue  # a unit or a list letter
        found.append(token)
    return found


@dataclass
class Report:
    user: str
    width: int
    pages: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    _keys: set[str] = field(default_factory=set)

    def add(self, url: str, problem: str) -> None:
        key = f"{shape(url)} {problem}"
        if key not in self._keys:  # one page of a shape says it for all
            self._keys.add(key)
            self.problems.append(f"[{self.user} @{self.width}px] {url}: {problem}")


class _Links(HTMLParser):
    """The ``a href`` (not downloads) and ``hx-get`` addresses of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.hx: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("href") and "download" not in a:
            self.links.append(a["href"] or "")
        if a.get("hx-get"):
            self.hx.append(a["hx-get"] or "")


def links_of(html: str, url: str) -> tuple[list[str], list[str]]:
    parser = _Links()
    parser.feed(html)
    return (
        [urljoin(url, h).split("#")[0] for h in parser.links],
        [urljoin(url, h) for h in parser.hx],
    )


def crawl(
    context: BrowserContext,
    base: str,
    user: str,
    width: int,
    chinese: bool,
    rendered: set[str],
    only: list[str] | None = None,
) -> Report:
    """Crawl as the signed-in user of ``context``. A page whose shape another user already
    rendered at this width (``rendered``) is only fetched: its status and its links are this
    user's own, its layout and wording the same template's.

    With ``only`` (the pages this user's crawl at another width reached), no link is followed:
    those pages not yet rendered at this width are rendered and checked, the rest skipped
    (their statuses and links were checked already)."""
    report = Report(user=user, width=width)
    page: Page = context.new_page()
    current = {"url": ""}
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))"
    )
    page.on(
        "console",
        lambda m: report.add(current["url"], f"console: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: report.add(current["url"], f"page error: {e}"))
    page.on(
        "response",
        lambda r: (
            report.add(current["url"], f"HTTP {r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    seen: set[str] = {shape(base + "/")}
    fetched_hx: set[str] = set()
    queue: deque[tuple[str, int]] = deque([(base + "/", 0)])
    if only is not None:
        queue = deque((u, MAX_DEPTH) for u in only if shape(u) not in rendered)
    while queue and len(report.pages) < MAX_PAGES:
        url, depth = queue.popleft()
        current["url"] = url
        report.pages.append(url)
        if shape(url) in rendered:
            fetched = context.request.get(url)
            if fetched.status >= 400:
                report.add(url, f"HTTP {fetched.status}")
                continue
            final = fetched.url
            html = fetched.text() if "html" in fetched.headers.get("content-type", "") else ""
        else:
            rendered.add(shape(url))
            try:
                response = page.goto(url, wait_until="load")
            except PlaywrightError as e:
                if "Download is starting" in str(e):
                    continue  # a file, not a page
                raise
            if response is None or response.status >= 400:
                continue  # reported by the listener
            final = page.url
            html = page.content()
            scroll, inner = page.evaluate(WIDTH_JS)
            if scroll > inner + 1:
                report.add(url, f"{scroll}px wide in a {inner}px window")
            for problem in page.evaluate(FORMS_JS):
                report.add(url, problem)
            if chinese:
                for word in foreign_words(page.evaluate(TEXT_JS)):
                    report.add(url, f"not Chinese: {word}")
        if urlsplit(final).path.startswith("/login/"):
            report.add(url, "sent to the sign-in page")
            continue
        if only is not None:
            continue
        links, hxs = links_of(html, final)
        for hx in hxs:
            if not hx.startswith(base) or shape(hx) in fetched_hx or SKIP.search(hx):
                continue
            fetched_hx.add(shape(hx))
            status = context.request.get(hx, headers={"HX-Request": "true"}).status
            if status >= 400:
                report.add(url, f"hx-get {hx} answers {status}")
        if depth >= MAX_DEPTH:
            continue
        for link in links:
            if not link.startswith(base + "/") or SKIP.search(link) or shape(link) in seen:
                continue
            seen.add(shape(link))
            queue.append((link, depth + 1))
    page.close()
    return report


def timing_summary(records: list) -> str:
    """Median and maximum server time of the crawl's requests, from the request log
    (``fangkong.request``'s ``ms``: the server's own time, without the browser's)."""
    times = sorted(
        ((r.ms, r.path) for r in records if r.name == "fangkong.request" and hasattr(r, "ms")),
        reverse=True,
    )
    if not times:
        return "crawl: no server times logged"
    slowest = ", ".join(f"{path} {ms:.0f} ms" for ms, path in times[:3])
    return (
        f"crawl: {len(times)} requests, server time median "
        f"{statistics.median(t for t, _p in times):.0f} ms, max {times[0][0]:.0f} ms "
        f"(slowest: {slowest})"
    )
