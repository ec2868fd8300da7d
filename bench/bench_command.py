"""Command centre: the daily picture's server time (county, township) and the daily report's
build, on a synthetic county with 90 days of control history.

    python -m bench command [--population 100000] [--episodes 20000] [--cases 2000]
        [--contacts 20000] [--repeat 5]

SQLite by default (a fresh temporary file); PostgreSQL when DATABASE_URL is set. Setup: the
synthetic county (``populate``), the demo's sites, testing and control, then ``--episodes``
control episodes spread over the last 90 days (7 days centralized isolation + 3 days home
monitoring, the 20 measures; written in bulk, as history), and stays in the demo sites;
``--cases`` cases reported over the same 90 days with ``--contacts`` close contacts
(bench/bench_cases.py ``add_cases``), as issue 14 measures the picture.

Figures, each with its ratio to the raw database doing the same row work (the grouped
queries of the control section, the biggest table, through a cursor):
  * the daily picture of the county, GET /command/ through the full stack — target < 500 ms
  * the same for a township officer                                        — target < 200 ms
  * the daily report (figures, PDF, Excel, archived)                       — target < 30 s
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import fresh_database, load_average, median, report, timed  # noqa: E402

TOWN_CODE = "500242002"


def history(episodes: int, seed: int = 1) -> int:
    """``episodes`` control episodes begun over the last 90 days, written in bulk."""
    from django.db import transaction
    from django.utils import timezone

    from fangkong.control.choices import EpisodeStatus, PhaseStatus
    from fangkong.control.models import ControlEpisode, ControlPhase
    from fangkong.people.models import Person

    rng = random.Random(seed)
    today = timezone.localdate()
    taken = set(ControlEpisode.objects.values_list("person_id", flat=True))
    people = [p for p in Person.objects.values_list("pk", "area_id") if p[0] not in taken]
    rng.shuffle(people)
    people = people[:episodes]
    eps, plan = [], []
    for pk, area_id in people:
        start = today - dt.timedelta(days=rng.randrange(0, 90))
        iso_end, mon_end = start + dt.timedelta(days=7), start + dt.timedelta(days=10)
        done = mon_end < today
        eps.append(ControlEpisode(
            person_id=pk, reason="close_contact", start_date=start, area_id=area_id,
            status=EpisodeStatus.COMPLETED if done else EpisodeStatus.ACTIVE,
            end_date=mon_end if done else None, rule_set_code="bench", rule_snapshot={},
        ))  # fmt: skip
        plan.append((start, iso_end, mon_end))
    with transaction.atomic():
        ControlEpisode.objects.bulk_create(eps, batch_size=2000)
        phases = []
        for ep, (start, iso_end, mon_end) in zip(eps, plan, strict=True):
            iso_done, mon_live = iso_end <= today, iso_end <= today < mon_end
            phases.append(ControlPhase(
                episode_id=ep.pk, order=1, kind="centralized_isolation", start_date=start,
                planned_end_date=iso_end, actual_end_date=iso_end if iso_done else None,
                status=PhaseStatus.COMPLETED if iso_done else PhaseStatus.ACTIVE,
            ))  # fmt: skip
            phases.append(ControlPhase(
                episode_id=ep.pk, order=2, kind="home_health_monitoring", start_date=iso_end,
                planned_end_date=mon_end,
                actual_end_date=mon_end if mon_end < today else None,
                status=(PhaseStatus.COMPLETED if mon_end < today else
                        PhaseStatus.ACTIVE if mon_live else PhaseStatus.PLANNED),
            ))  # fmt: skip
        ControlPhase.objects.bulk_create(phases, batch_size=4000)
    return len(eps)


def raw_control(path: str, day: dt.date) -> None:
    """The control section's two grouped queries, raw."""
    from django.db import connection

    cut = 8
    start = day - dt.timedelta(days=29)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT substr(a.path, 1, %s), p.kind, count(*) FROM control_controlphase p"
            " JOIN control_controlepisode e ON e.id = p.episode_id"
            " JOIN areas_area a ON a.id = e.area_id"
            " WHERE a.path LIKE %s AND p.status IN ('active', 'completed') AND p.start_date <= %s"
            " AND (p.actual_end_date IS NULL OR p.actual_end_date > %s) GROUP BY 1, 2",
            [cut, path + "%", day, day],
        )
        cur.fetchall()
        cur.execute(
            "SELECT p.kind, p.start_date, p.actual_end_date, count(*) FROM control_controlphase p"
            " JOIN control_controlepisode e ON e.id = p.episode_id"
            " JOIN areas_area a ON a.id = e.area_id"
            " WHERE a.path LIKE %s AND p.status IN ('active', 'completed') AND p.start_date <= %s"
            " AND (p.actual_end_date IS NULL OR p.actual_end_date > %s) GROUP BY 1, 2, 3",
            [path + "%", day, start],
        )
        cur.fetchall()


def ms(runs: list, what: str) -> float:
    """The median ``wall`` or ``cpu`` of timed runs, in ms (0 without runs)."""
    return median([getattr(r, what) for r in runs]) * 1000 if runs else 0


def sections(user, day: dt.date) -> None:
    """Where the page's time goes: each section's figures and series, timed apart."""
    from fangkong.core.figures import sections as all_sections

    parts, cpu = [], []
    start = day - dt.timedelta(days=29)
    for s in all_sections():
        if not user.can(s.permission):
            continue
        f = [timed(s.figures, user, day) for _ in range(3)]
        c = [timed(s.series, user, start, day) for _ in range(3)] if s.series else []
        parts.append(f"{s.key} {ms(f, 'wall'):.0f}+{ms(c, 'wall'):.0f}")
        cpu.append(f"{s.key} {ms(f, 'cpu'):.0f}+{ms(c, 'cpu'):.0f}")
    print("  figures+series, wall ms: " + ", ".join(parts), flush=True)
    print("  figures+series, cpu ms:  " + ", ".join(cpu), flush=True)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--population", type=int, default=100_000)
    ap.add_argument("--episodes", type=int, default=20_000)
    ap.add_argument("--cases", type=int, default=2_000, help="cases over the 90 days")
    ap.add_argument("--contacts", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--profile", action="store_true", help="cProfile one county page")
    args = ap.parse_args(argv)
    with fresh_database() as vendor:
        from django.test import Client
        from django.utils import timezone

        from fangkong.areas.models import Area
        from fangkong.areas.services import ensure_county
        from fangkong.command.services.reports import build_report
        from fangkong.control.demo import load_demo_control
        from fangkong.core import pii
        from fangkong.core.demo import ensure_demo_users
        from fangkong.core.models import User
        from fangkong.people.synthetic import populate
        from fangkong.sites.demo import load_demo_sites
        from fangkong.testing.demo import load_demo_testing

        pii.set_keyring(pii.Keyring.generate())
        ensure_county()
        t = timed(populate, args.population)
        print(f"setup: {t.result} persons in {t.wall:.0f} s", flush=True)
        ensure_demo_users()
        load_demo_sites()
        load_demo_testing()
        load_demo_control()
        t = timed(history, args.episodes)
        print(f"setup: {t.result} episodes of history in {t.wall:.1f} s", flush=True)
        from bench.bench_cases import add_cases

        t = timed(add_cases, args.cases, args.contacts, args.cases // 10, args.contacts // 10)
        print(f"setup: {args.cases} cases and {args.contacts} contacts in {t.wall:.1f} s; "
              f"{vendor}, load {load_average()}", flush=True)  # fmt: skip
        county = Area.objects.get(depth=1)
        town = Area.objects.get(code=TOWN_CODE)
        day = timezone.localdate()
        for username, path, target in (("county", county.path, "< 500 ms"),
                                       ("township", town.path, "< 200 ms")):  # fmt: skip
            client = Client()
            client.force_login(User.objects.get(username=username))
            assert client.get("/command/").status_code == 200  # warm
            runs = [timed(client.get, "/command/") for _ in range(args.repeat)]
            page = median([r.wall for r in runs])
            raw = median([timed(raw_control, path, day).wall for _ in range(args.repeat)])
            report(f"daily picture, {username} (GET /command/)", page * 1000, raw * 1000, "ms",
                   target)  # fmt: skip
            print(f"  page cpu {median([r.cpu for r in runs]) * 1000:.0f} ms (this process: "
                  f"the ORM, SQLite, the template); load {load_average()}", flush=True)  # fmt: skip
            sections(User.objects.get(username=username), day)
            if args.profile:
                import cProfile
                import pstats

                prof = cProfile.Profile()
                prof.runcall(client.get, "/command/")
                pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
        yesterday = day - dt.timedelta(days=1)
        build = timed(build_report, county, yesterday)
        raw = median([timed(raw_control, county.path, yesterday).wall for _ in range(3)])
        report("daily report, county (PDF + Excel)", build.wall, raw, "s", "< 30 s")
        print(f"  report: PDF {len(bytes(build.result.pdf)) // 1024} KB, "
              f"Excel {len(bytes(build.result.xlsx)) // 1024} KB", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
