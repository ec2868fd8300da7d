"""Home isolation: health reports through the portal's HTTP endpoint (gunicorn, paced clients
in a second process), the village's missed-report list, the township's overdue board, the
nightly automatic close of 10,000 due phases; each with its ratio to the raw database.

    python -m bench.bench_home [--population 100000] [--home 50000] [--close 10000]
        [--rate 350] [--report-seconds 10] [--threads 16] [--web-workers 2] [--web-threads 4]
        [--lists-only | --portal-only]

SQLite by default (a fresh temporary database, deleted afterwards); PostgreSQL when
DATABASE_URL is set. The persons under home control are written in bulk (setup, not
measured): episodes and phases as ``start_episode`` lays them out under the 20 measures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
import sys
import time
from pathlib import Path

from bench.common import (
    fresh_database,
    gunicorn,
    load_average,
    median,
    paced_clients,
    post_plans,
    report,
    run_load_child,
    timed,
    tree_cpu,
    wait_until_idle,
)

ROOT = Path(__file__).resolve().parent.parent
WARM = 100  # reports that warm the server before the measured ones (not counted)


def _setup(population: int, home: int):
    from django.utils import timezone

    from fangkong.areas.models import Area
    from fangkong.control.choices import EpisodeStatus, PhaseStatus
    from fangkong.control.models import ControlEpisode, ControlPhase
    from fangkong.control.rules import rule_in_force
    from fangkong.control.services._common import test_dates
    from fangkong.core.models import User, UserRole
    from fangkong.home_isolation.models import PortalLink, ServiceRequest
    from fangkong.people.models import Person
    from fangkong.people.synthetic import populate

    t = time.perf_counter()
    populate(population)
    print(f"  county of {population:,} persons in {time.perf_counter() - t:.0f}s", flush=True)
    county = Area.objects.get(depth=1)
    boss = User.objects.create(username="bench-county")
    UserRole.objects.create(user=boss, role="county_command")
    boss.areas.set([county])
    today = timezone.localdate()
    rule = rule_in_force("left_high_risk_area", today, area=county)
    days = rule.snapshot["phases"][0]["days"]
    rows = list(Person.objects.order_by("?").values_list("pk", "area_id")[:home])
    t = time.perf_counter()
    eps = ControlEpisode.objects.bulk_create(
        [
            ControlEpisode(
                person_id=pk, area_id=a, reason="left_high_risk_area", start_date=today,
                rule_set=rule.rule_set, rule_set_code=rule.rule_set.code,
                rule_snapshot=rule.snapshot, status=EpisodeStatus.ACTIVE,
            )
            for pk, a in rows
        ],
        batch_size=2000,
    )  # fmt: skip
    rp = rule.snapshot["phases"][0]
    phases = []
    for e in eps:
        start = today - dt.timedelta(days=random.randint(0, days - 2))  # none due yet
        phases.append(ControlPhase(
            episode_id=e.pk, order=1, kind=rp["kind"], start_date=start,
            planned_end_date=start + dt.timedelta(days=days - 1),
            test_days=test_dates(start, days, rp), status=PhaseStatus.ACTIVE,
        ))  # fmt: skip
    ControlPhase.objects.bulk_create(phases, batch_size=2000)
    tokens = [f"bench-{pk}-{random.random()}" for pk, _a in rows]
    PortalLink.objects.bulk_create(
        [
            PortalLink(person_id=pk, area_id=a, expires_at=timezone.now() + dt.timedelta(days=9),
                       token_hash=hashlib.sha256(tok.encode()).hexdigest())
            for (pk, a), tok in zip(rows, tokens, strict=True)
        ],
        batch_size=2000,
    )  # fmt: skip
    now = timezone.now()
    ServiceRequest.objects.bulk_create(
        [
            ServiceRequest(
                person_id=pk, area_id=a, kind="groceries",
                due_at=now + dt.timedelta(hours=random.randint(-6, 24)),
            )
            for pk, a in rows[: max(1, home // 5)]
        ],
        batch_size=2000,
    )  # fmt: skip
    print(f"  {home:,} under home control (links, {home // 5:,} requests) in "
          f"{time.perf_counter() - t:.0f}s", flush=True)  # fmt: skip
    return boss, rows, tokens


def _user_of(area, role: str, name: str):
    from fangkong.core.models import User, UserRole

    u = User.objects.create(username=name)
    UserRole.objects.create(user=u, role=role)
    u.areas.set([area])
    return u


def bench_lists(boss, rows) -> None:
    """The busiest village's missed-report list and its township's overdue board."""
    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from fangkong.areas.models import Area
    from fangkong.control.models import ControlEpisode
    from fangkong.home_isolation import selectors

    village_id = (
        ControlEpisode.objects.values("area__path")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("area_id", flat=True)
        .first()
    )
    area = Area.objects.get(pk=village_id)
    village = Area.objects.get(path=area.path[: Area.steplen * 3])
    township = Area.objects.get(path=area.path[: Area.steplen * 2])
    cadre = _user_of(village, "village_cadre", "bench-village")
    officer = _user_of(township, "township_officer", "bench-township")
    day, now = timezone.localdate(), timezone.now()

    def missed():
        return len(list(selectors.missed_reports(cadre, day, "morning")[:500]))

    def board():
        return (len(selectors.overdue_board(officer, now)),
                len(list(selectors.overdue_requests(officer, now).order_by("due_at")[:200])))  # fmt: skip

    raw_missed = (
        "SELECT p.id FROM control_controlphase p JOIN control_controlepisode e ON e.id = p.episode_id "
        "JOIN areas_area a ON a.id = e.area_id WHERE p.status = 'active' AND e.status = 'active' "
        "AND a.path LIKE %s AND NOT EXISTS (SELECT 1 FROM home_isolation_healthreport r "
        'WHERE r.person_id = e.person_id AND r.day = %s AND r."window" = %s) LIMIT 500'
    )
    raw_board = (
        "SELECT substr(a.path, 1, 12), count(*) FROM home_isolation_servicerequest s "
        "JOIN areas_area a ON a.id = s.area_id WHERE s.state IN ('new', 'accepted') "
        "AND a.path LIKE %s GROUP BY 1"
    )

    def raw(sql, params):
        with connection.cursor() as c:
            c.execute(sql, params)
            return c.fetchall()

    for name, fn, sql, params, target in (
        (f"missed-report list, village ({village.name})", missed, raw_missed,
         [village.path + "%", day, "morning"], "< 150 ms"),
        (f"overdue board, township ({township.name})", board, raw_board,
         [township.path + "%"], "< 150 ms"),
    ):  # fmt: skip
        fn()
        runs = [timed(fn) for _ in range(15)]
        ours = median([r.wall for r in runs]) * 1000
        base = median([timed(raw, sql, params).wall for _ in range(15)]) * 1000
        report(name, ours, base, "ms", target)
        print(f"{'  (its CPU, median)':<48} {median([r.cpu for r in runs]) * 1000:>9.2f} ms",
              flush=True)  # fmt: skip
        with CaptureQueriesContext(connection) as seen:
            fn()
        print(f"{'  (statements)':<48} {len(seen.captured_queries):>9d}", flush=True)
    _plan(selectors.missed_reports(cadre, day, "morning")[:500])


def _plan(qs) -> None:
    """The database's plan of the missed-report list (what to look at when it is slow)."""
    from django.db import connection

    sql, params = qs.query.sql_with_params()
    explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as c:
        c.execute(explain + sql, params)
        print("  plan of the missed-report list:", flush=True)
        for row in c.fetchall():
            print("   ", str(row[-1])[:150], flush=True)  # an id list can be long


def bench_close(close: int) -> None:
    """``close`` phases due today, nine in ten reported today and well: the nightly close."""
    from decimal import Decimal

    from django.db import connection
    from django.utils import timezone

    from fangkong.control.models import ControlPhase
    from fangkong.home_isolation.models import HealthReport
    from fangkong.home_isolation.services import close_due_phases

    today, now = timezone.localdate(), timezone.now()
    phases = list(ControlPhase.objects.filter(status="active").order_by("pk")
                  .values_list("pk", "episode__person_id", "episode__area_id")[:close])  # fmt: skip
    ControlPhase.objects.filter(pk__in=[p[0] for p in phases]).update(planned_end_date=today)
    HealthReport.objects.bulk_create(
        [
            HealthReport(person_id=person, area_id=a, phase_id=pk, at=now, day=today,
                         window="morning", temperature=Decimal("36.5"))
            for pk, person, a in phases if pk % 10
        ],
        batch_size=2000,
    )  # fmt: skip
    res = timed(close_due_phases, today)
    # raw: the phases and their episodes completed by two UPDATEs a chunk (no checks, no
    # audit rows, no timeline events)
    ids = [p[0] for p in phases]
    with connection.cursor() as c:
        t = time.perf_counter()
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join(["%s"] * len(chunk))
            c.execute(f"UPDATE control_controlphase SET status = 'completed', actual_end_date = %s "
                      f"WHERE id IN ({marks})", [today, *chunk])  # fmt: skip
            c.execute(f"UPDATE control_controlepisode SET status = 'completed', end_date = %s "
                      f"WHERE id IN (SELECT episode_id FROM control_controlphase WHERE id IN ({marks}))",
                      [today, *chunk])  # fmt: skip
        base = time.perf_counter() - t
    r = res.result
    report(f"nightly close, {r.closed + r.to_review:,} due ({r.closed:,} closed)",
           res.wall, base, "s", "< 10 s")  # fmt: skip
    print(f"{'  (its CPU in this process)':<48} {res.cpu:>9.2f} s", flush=True)


def bench_reports(args, tokens: list[str]) -> None:
    """gunicorn on loopback, paced keep-alive clients in a second process (the scan
    benchmark's load child), one report per person; the server warmed by a few reports of
    other persons before the clock and its CPU count start."""
    from fangkong.home_isolation.models import HealthReport

    n = min(len(tokens) - WARM, int(args.rate * args.report_seconds))
    chosen = random.sample(tokens, n + WARM)
    warm, chosen = chosen[:WARM], chosen[WARM:]
    with gunicorn(args.web_workers, args.web_threads) as (server, port):
        # the port opens before the workers have imported the project (~2.5 s of CPU each
        # on this box): counted, that start was 1.4 ms of "server CPU a report" over 3,500
        # reports, and the paced load queued behind it. A deployed server is warm.
        wait_until_idle(server.pid)
        boot = run_load_child("bench.bench_home", {"port": port, "tokens": warm, "rate": 50,
                                                   "threads": args.threads})  # fmt: skip
        time.sleep(1)
        before = HealthReport.objects.count()
        config = {"port": port, "tokens": chosen, "rate": args.rate, "threads": args.threads}
        s0 = tree_cpu(server.pid)
        res = run_load_child("bench.bench_home", config)
        s1 = tree_cpu(server.pid)
    if boot["errors"]:
        print(f"  warm-up: {boot['errors']} of {boot['n']} reports refused", flush=True)
    stored = HealthReport.objects.count() - before
    # raw: the same rows, one INSERT and one commit each, in this process
    from django.db import connection, transaction
    from django.utils import timezone

    rows = list(HealthReport.objects.order_by("-pk").values_list(
        "person_id", "area_id", "phase_id")[: min(stored, 2000)])  # fmt: skip
    now = timezone.now()
    t = time.perf_counter()
    for person, area, phase in rows:
        with transaction.atomic(), connection.cursor() as c:
            c.execute(
                "INSERT INTO home_isolation_healthreport (person_id, area_id, phase_id, at, day, "
                '"window", temperature, symptoms, flagged) VALUES (%s, %s, %s, %s, %s, %s, 36.5, '
                "'[]', false)", [person, area, phase, now, now.date(), ""],
            )  # fmt: skip
    raw_rate = len(rows) / (time.perf_counter() - t) if rows else 0
    server_ms = (s1 - s0) / max(res["n"], 1) * 1000
    print(f"{'portal health reports (HTTP, ' + str(args.web_workers) + 'x' + str(args.web_threads) + ')':<48} "
          f"{res['rate']:>7.0f} /s   p50 {res['p50'] * 1000:.1f} ms   p99 {res['p99'] * 1000:.1f} ms   "
          f"errors {res['errors']}/{res['n']}   stored {stored}   server CPU/report {server_ms:.1f} ms   "
          f"raw single-row commits {raw_rate:.0f} /s   (target >= 300/s)", flush=True)  # fmt: skip


def load_child() -> None:
    """Paced keep-alive clients (an open loop), requests encoded before the clock starts."""
    cfg = json.loads(sys.stdin.read())
    bodies = [
        json.dumps({"token": tok, "temperature": "36.6", "symptoms": []}).encode()
        for tok in cfg["tokens"]
    ]
    plans = post_plans("/api/v1/home-isolation/portal/reports", bodies, cfg["threads"])
    print(json.dumps(paced_clients(cfg["port"], plans, cfg["rate"])))


def main() -> None:
    if "--load-child" in sys.argv:
        load_child()
        return
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--population", type=int, default=100_000)
    ap.add_argument("--home", type=int, default=50_000)
    ap.add_argument("--close", type=int, default=10_000)
    ap.add_argument("--rate", type=float, default=350)
    ap.add_argument("--report-seconds", type=float, default=10)
    ap.add_argument("--threads", type=int, default=16)
    ap.add_argument("--web-workers", type=int, default=2)
    ap.add_argument("--web-threads", type=int, default=4)
    ap.add_argument("--skip-http", action="store_true")
    ap.add_argument("--lists-only", action="store_true", help="only the two lists (and setup)")
    ap.add_argument("--portal-only", action="store_true", help="only the portal (and setup)")
    args = ap.parse_args()
    random.seed(1)
    with fresh_database() as vendor:
        print(f"home isolation on {vendor}, load average {load_average()}", flush=True)
        boss, rows, tokens = _setup(args.population, args.home)
        if not args.skip_http and not args.lists_only:
            bench_reports(args, tokens)
        if args.portal_only:
            return
        bench_lists(boss, rows)
        if not args.lists_only:
            bench_close(args.close)


if __name__ == "__main__":
    main()
