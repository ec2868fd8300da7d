"""The county under load, from outside: the real server (gunicorn, as deployed) on the
synthetic county, a county and a township user signed in (the largest township, and the
lists read by key for the township registered last too), every list, search, board and
API list endpoint driven by 1 and by 8 concurrent clients; p50, p95 and max per endpoint,
and each endpoint's ratio to its own raw SQL (the statements the endpoint runs, captured
once in this process and replayed through a bare cursor).

    python -m bench http [--population 850000] [--db sqlite|postgres] [--clients 1,8]
        [--requests 40] [--workers 2] [--threads 4] [--only SUBSTRING]

The population is the people benchmark's (built once, kept: bench/bench_people.py). The
figures go to bench/README.md, "The county under load".
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_people import _setup, ensure_population  # noqa: E402
from bench.common import database_server_pid, gunicorn, load_average, tree_cpu  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def endpoints(town_code: str, name: str, initials: str, number: str) -> list[tuple[str, str]]:
    """(who, path): the pages and API lists an operator opens all day."""
    pages = [
        "/", "/people/persons/", "/people/households/", "/people/categories/",
        "/people/duplicates/", "/areas/", "/control/episodes/", "/sites/", "/sites/capacity/",
        "/testing/", "/testing/retests/",
        f"/people/persons/?q={name}", f"/people/persons/?q={initials}",
        f"/people/persons/?q={number}",
    ]  # fmt: skip
    api = [
        "/api/v1/persons?limit=50", "/api/v1/households?limit=50", "/api/v1/categories",
        "/api/v1/categories/counts", "/api/v1/duplicates", "/api/v1/areas/tree",
        "/api/v1/areas/picker", f"/api/v1/areas/picker/search?q={town_code[:4]}",
        "/api/v1/control/episodes?limit=50", "/api/v1/sites/capacity",
        f"/api/v1/persons?q={name}",
    ]  # fmt: skip
    # the township registered last: lists read by key start far into the table for it
    late = ["/people/persons/", "/people/households/", "/api/v1/persons?limit=50",
            "/api/v1/households?limit=50"]  # fmt: skip
    out = [(who, p) for who in ("county", "township") for p in pages + api]
    return [(who, quote(p, safe="/?=&")) for who, p in out + [("late", p) for p in late]]


def sessions() -> dict[str, str]:
    """A signed-in session cookie for a county and a township user (no second factor is
    required outside production settings)."""
    from django.conf import settings
    from django.test import Client

    from bench.bench_people import township_officer
    from fangkong.areas.models import Area
    from fangkong.core.models import User, UserRole

    town_user, _town = township_officer()
    county, _ = User.objects.get_or_create(username="bench_county")
    UserRole.objects.get_or_create(user=county, role="county_command")
    county.areas.set([Area.objects.get(depth=1)])
    from fangkong.people.models import Person

    last = max(
        Area.objects.filter(depth=2),
        key=lambda a: Person.objects.filter(area__path__startswith=a.path).order_by("pk")
        .values_list("pk", flat=True).first() or 0,
    )  # fmt: skip
    late, _ = User.objects.get_or_create(username="bench_late_township")
    UserRole.objects.get_or_create(user=late, role="township_officer")
    late.areas.set([last])
    out = {}
    users = (("county", User.objects.get(pk=county.pk)), ("township", town_user),
             ("late", User.objects.get(pk=late.pk)))  # fmt: skip
    for who, user in users:
        c = Client()
        c.force_login(user)
        out[who] = c.cookies[settings.SESSION_COOKIE_NAME].value
    return out


def raw_seconds(cookie: str, path: str, repeat: int = 5) -> float:
    """The endpoint's own SQL, replayed through a bare cursor: median seconds per request."""
    from django.conf import settings
    from django.db import IntegrityError, connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    c = Client()
    c.cookies[settings.SESSION_COOKIE_NAME] = cookie
    with CaptureQueriesContext(connection) as q:
        resp = c.get(path)
    if resp.status_code != 200:
        raise SystemExit(f"{path}: {resp.status_code}")
    sqls = [
        x["sql"] for x in q.captured_queries if not x["sql"].startswith(("SAVEPOINT", "RELEASE"))
    ]
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        # the replay writes nothing: the request's own writes (the rate limit's counter in
        # the database cache on PostgreSQL, a session touched) are rolled back, and an
        # INSERT the request made first (the counter's row) fails in its savepoint as it
        # would have cost the same to succeed
        with transaction.atomic(), connection.cursor() as cur:
            for sql in sqls:
                if sql.lstrip().upper().startswith("INSERT"):
                    try:
                        with transaction.atomic():
                            cur.execute(sql)
                    except IntegrityError:
                        pass
                    continue
                cur.execute(sql)
                if cur.description:
                    cur.fetchall()
            transaction.set_rollback(True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def drive(port: int, cookie: str, path: str, clients: int, per_client: int) -> list[float]:
    """``clients`` threads, each on its own keep-alive connection, ``per_client`` requests."""
    from django.conf import settings

    lat: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}", "Accept-Language": "zh-hans"}

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        mine = []
        for _ in range(per_client):
            t = time.perf_counter()
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            resp.read()
            mine.append(time.perf_counter() - t)
            if resp.status != 200:
                with lock:
                    errors.append(f"{resp.status}")
        conn.close()
        with lock:
            lat.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        print(f"  {path}: {len(errors)} errors ({errors[0]})", flush=True)
    return lat


def _chosen(path: str, only: str) -> bool:
    if not only:
        return True
    parts = [o for o in only.split(",") if o]
    return any(path == o[1:] if o.startswith("=") else o in path for o in parts)


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--population", type=int, default=850_000)
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--sqlite-path", type=Path, default=None)
    p.add_argument("--clients", default="1,8")
    p.add_argument("--requests", type=int, default=40, help="requests per endpoint and level")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=4)
    p.add_argument(
        "--only",
        default="",
        help="endpoints whose path contains one of these (comma-separated; =PATH: exactly)",
    )
    p.add_argument(
        "--who", choices=["county", "township", "late"], default=None, help="one user only"
    )
    args = p.parse_args(argv)
    # Eight clients signed in as one user search far more than one person would: the
    # per-user search limit (300 in 10 minutes, shared by every worker on PostgreSQL's
    # database cache) would answer 429 half-way; the counting itself is still measured.
    os.environ["FANGKONG_SEARCH_LIMIT"] = "1000000"
    _setup(args)
    ensure_population(args.population)
    from django.db import connection

    from fangkong.areas.models import Area
    from fangkong.people.models import Person

    cookies = sessions()
    sample = Person.objects.exclude(id_number="").order_by("pk")[1000]
    town = Area.objects.filter(depth=2).order_by("code").first()
    eps = [
        (w, path)
        for w, path in endpoints(
            town.code, sample.name[:2], sample.name_initials[:3], sample.id_number
        )  # fmt: skip
        if _chosen(path, args.only) and args.who in (None, w)
    ]
    levels = [int(x) for x in args.clients.split(",")]
    print(f"# HTTP under load on {connection.vendor}: {Person.objects.count():,} persons, "
          f"gunicorn {args.workers}x{args.threads} gthread, {args.requests} requests per "
          f"endpoint and level; load average {load_average()}", flush=True)  # fmt: skip
    raw = {(w, path): raw_seconds(cookies[w], path) for w, path in eps}
    # CPU per request, which a loaded machine does not inflate as it does wall time: the
    # web server's (on SQLite the database's work is in it) and a local PostgreSQL's
    # (every backend: the other clients of that server count too)
    db_pid = database_server_pid()
    rows = []
    with gunicorn(args.workers, args.threads) as (server, port):
        for w, path in eps:  # warm each worker's caches and connections first
            drive(port, cookies[w], path, args.workers * args.threads, 1)
        for clients in levels:
            for w, path in eps:
                per = max(1, args.requests // clients)
                c0 = tree_cpu(server.pid), tree_cpu(db_pid) if db_pid else 0.0
                lat = drive(port, cookies[w], path, clients, per)
                c1 = tree_cpu(server.pid), tree_cpu(db_pid) if db_pid else 0.0
                web, db = ((c1[i] - c0[i]) / len(lat) for i in (0, 1))
                r = raw[(w, path)]
                med = statistics.median(lat)
                rows.append((clients, w, path, med, p95(lat), max(lat), r, web, db))
                db_note = f" + db {db * 1000:5.1f}" if db_pid else ""
                print(f"{clients} client(s) {w:<9} {path:<44} p50 {med * 1000:7.1f} ms  "
                      f"p95 {p95(lat) * 1000:7.1f} ms  max {max(lat) * 1000:7.1f} ms  "
                      f"raw SQL {r * 1000:6.1f} ms  ratio {med / r if r else 0:5.1f}x  "
                      f"CPU/request web {web * 1000:5.1f}{db_note} ms",
                      flush=True)  # fmt: skip
    print(f"load average at the end: {load_average()}")
    worst = max(rows, key=lambda r: r[4]) if rows else None
    if worst:
        print(f"slowest p95: {worst[4] * 1000:.0f} ms ({worst[0]} clients, {worst[1]} {worst[2]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
