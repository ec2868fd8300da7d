"""Every page of each demo role's crawl at the full county: server time per page and role.

    python -m bench crawl [--population 850000] [--repeat 5] [--only ROLE,ROLE] [--slowest 10]

The people benchmark's county (bench/bench_people.py, kept in var/bench/people-<N>/) is
copied once to var/bench/crawl-<N>/ and the demo loaded on it (`fangkong demo`: its users,
one per role, with their areas, and the sites, rounds, episodes and cases of the demo
township), so the other benchmarks' county stays as it was. SQLite only (the copy).

Each role's pages are found as the browser crawl finds them (tests/e2e/crawl.py, without a
browser): the links of the home page and the navigation, then the links of those pages one
level deeper, one page per address shape, never sign-out or downloads; the area tree
picker's first level and two expansions, and the person forms, are added. Each page is then fetched ``--repeat``
times through the Django test client in this process (server time, no network); per page
and role: median, p95, max, and its ratio to its own SQL replayed through a bare cursor
(bench/bench_http.py). Targets (issue 11): median under 150 ms and none over 500 ms; the
picker under 100 ms. The figures go to bench/README.md, "Every page at the full county".
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from collections import deque
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, load_average, p95  # noqa: E402

MAX_DEPTH = 2  # the home page and navigation (1), the links of those pages (2)
MAX_PAGES = 60  # per role, as the browser crawl
KEPT = ("pii_keys.json", "secret_key")  # the copy must decrypt the people it holds


def ensure_copy(population: int) -> None:
    """var/bench/crawl-<N>/: the people benchmark's county copied once (built first when
    missing), with its keys; SQLite's backup API copies a consistent database."""
    src, dst = (
        ROOT / "var/bench" / f"people-{population}",
        ROOT / "var/bench" / f"crawl-{population}",
    )
    if (dst / "fangkong.sqlite3").exists():
        return
    if not (src / "fangkong.sqlite3").exists():
        code = (
            "import sys; from types import SimpleNamespace as N; "
            "from bench.bench_people import _setup, ensure_population; "
            f"_setup(N(population={population}, db='sqlite', sqlite_path=None)); "
            f"ensure_population({population})"
        )
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
    dst.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    with (
        sqlite3.connect(src / "fangkong.sqlite3") as a,
        sqlite3.connect(dst / "fangkong.sqlite3") as b,
    ):
        a.backup(b)
    for name in KEPT:
        if (src / name).exists():
            shutil.copy2(src / name, dst / name)
    print(f"copied the county to {dst} in {time.perf_counter() - t:.0f} s")


def load_demo() -> None:
    from django.core.management import call_command

    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("demo", quiet_logins=True, population=0)
    print(f"demo loaded on the county in {time.perf_counter() - t:.0f} s")


def discover(client, start: str = "/") -> list[str]:
    """The pages a signed-in user reaches from home and the navigation, as tests/e2e/crawl.py
    finds them (same-origin links, one per address shape), without a browser."""
    from tests.e2e.crawl import SKIP, links_of, shape

    seen_shapes: set[str] = set()
    found: list[str] = []
    queue = deque([(start, 0)])
    while queue and len(found) < MAX_PAGES:
        url, depth = queue.popleft()
        if shape(url) in seen_shapes:
            continue
        seen_shapes.add(shape(url))
        resp = client.get(url)
        if resp.status_code != 200 or "text/html" not in resp.get("Content-Type", ""):
            continue
        found.append(url)
        if depth >= MAX_DEPTH:
            continue
        links, hx = links_of(resp.content.decode(), "http://testserver" + url)
        for link in links + hx:
            parts = urlsplit(link)
            if parts.netloc not in ("", "testserver") or SKIP.search(link):
                continue
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if shape(path) not in seen_shapes:
                queue.append((path, depth + 1))
    return found


def form_pages(user) -> list[str]:
    """The person forms (the edit form once took 1.8 s: its area and key-category fields),
    for a person of the user's areas, when the role may edit people; the crawl stops short
    of them (a person's page is two levels down)."""
    from fangkong.people.selectors import persons_for

    if not user.can("person.edit"):
        return []
    person = persons_for(user).order_by("pk").first()
    pages = ["/people/persons/new/"]
    if person is not None:
        pages.append(f"/people/persons/{person.pk}/edit/")
    return pages


def picker_pages(user) -> list[str]:
    """The area tree picker's first level and two expansions (the user's root, a township)."""
    roots = list(user.areas.order_by("depth", "path"))
    if not roots:
        return []
    pages = ["/api/v1/areas/picker", f"/api/v1/areas/picker?parent={roots[0].pk}"]
    child = roots[0].get_children().order_by("path").first()
    if child is not None:
        pages.append(f"/api/v1/areas/picker?parent={child.pk}")
    return pages


def time_page(client, path: str, repeat: int) -> tuple[list[float], int]:
    out, status = [], 0
    for _ in range(repeat):
        t = time.perf_counter()
        status = client.get(path).status_code
        out.append(time.perf_counter() - t)
    return out, status


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--population", type=int, default=850_000)
    p.add_argument("--repeat", type=int, default=5, help="requests per page and role")
    p.add_argument("--only", default="", help="these demo roles only (comma-separated)")
    p.add_argument("--slowest", type=int, default=10)
    p.add_argument("--no-raw", action="store_true", help="skip the raw-SQL replay")
    args = p.parse_args(argv)

    ensure_copy(args.population)
    from bench.common import cached_database

    cached_database(f"crawl-{args.population}", "sqlite")
    load_demo()
    from django.conf import settings
    from django.test import Client

    from bench.bench_http import raw_seconds
    from fangkong.core.demo import DEMO_USERS
    from fangkong.core.models import User
    from fangkong.people.models import Person

    print(f"county: {Person.objects.count():,} persons; load average {load_average()}")
    only = {r for r in args.only.split(",") if r}
    rows = []  # (role, path, status, times, raw)
    for username, _role, _where in DEMO_USERS:
        if only and username not in only:
            continue
        user = User.objects.get(username=username)
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(user)
        pages = discover(client)
        pages += [p for p in form_pages(user) + picker_pages(user) if p not in pages]
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        for path in pages:
            times, status = time_page(client, path, args.repeat)
            raw = 0.0
            if status == 200 and not args.no_raw:
                raw = raw_seconds(cookie, path, repeat=3)
            rows.append((username, path, status, times, raw))
            med = statistics.median(times)
            print(
                f"{username:<11} {path[:60]:<60} {status} median {med * 1000:7.1f} ms  "
                f"p95 {p95(times) * 1000:7.1f}  max {max(times) * 1000:7.1f}  "
                f"raw SQL {raw * 1000:6.1f} ms  ratio {med / raw if raw else 0:5.1f}x",
                flush=True,
            )
    medians = [statistics.median(t) for *_x, t, _r in rows]
    everything = [x for *_y, t, _r in rows for x in t]
    over = [(r, p) for r, p, _s, t, _raw in rows if max(t) > 0.5]
    slow_median = [(r, p) for r, p, _s, t, _raw in rows if statistics.median(t) > 0.15]
    pickers = [max(t) for _r, p, _s, t, _raw in rows if "/areas/picker" in p]
    print(
        f"\n{len(rows)} pages x roles, {len(everything)} requests; median of page medians "
        f"{statistics.median(medians) * 1000:.1f} ms, p95 of all {p95(everything) * 1000:.1f} ms, "
        f"max {max(everything) * 1000:.1f} ms; pages with a median over 150 ms: "
        f"{len(slow_median)}, with a request over 500 ms: {len(over)}; the picker's slowest "
        f"{max(pickers, default=0) * 1000:.1f} ms (target 100 ms); load average {load_average()}"
    )
    print(f"\nthe slowest {args.slowest} pages (by median):")
    for r, path, status, t, raw in sorted(rows, key=lambda x: -statistics.median(x[3]))[
        : args.slowest
    ]:
        med = statistics.median(t)
        print(
            f"  {r:<11} {path[:70]:<70} {status} median {med * 1000:7.1f} ms  max "
            f"{max(t) * 1000:7.1f} ms  ratio {med / raw if raw else 0:5.1f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
