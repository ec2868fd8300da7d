"""Benchmark of isolation sites: 30 sites / 5,000 rooms with a realistic occupancy.

    .venv/bin/python -m bench.bench_sites                 # SQLite in a fresh temp dir
    DATABASE_URL=postgres://... .venv/bin/python -m bench.bench_sites   # a fresh database on that server
    .venv/bin/python -m bench sites --population 0    # small setup: ~3,000 persons of its own

By default the full synthetic county is loaded first (``populate(850000, seed=1)``: areas,
households, persons, responsibilities); the sites are placed in its township units, the
users hold the county area, and the persons checked in and released are drawn from its
households (one per household, spread over the county).

Measures, each with its ratio to raw SQL doing the same row work:
  * the county capacity page (server time through the full Django stack) — target < 200 ms
  * check-in service throughput (a new episode per person)               — target >= 200/s
  * release service throughput (one at a time)                           — target >= 200/s
  * releasing everyone due on a day (1,000 persons, batch per site)      — target < 10 s
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import json
import os
import statistics
import sys
import time

from bench.common import database_server_pid, tree_cpu


@contextlib.contextmanager
def setup_django(db_options: dict | None = None):
    """Django on a fresh database of the benchmark's own (deleted on the way out), with a
    generated PII keyring."""
    from bench.common import fresh_database

    with fresh_database(db_options) as vendor:
        from fangkong.core import pii

        pii.set_keyring(pii.Keyring.generate())
        yield vendor


def timed(fn, *a, **kw):
    t = time.perf_counter()
    out = fn(*a, **kw)
    return time.perf_counter() - t, out


class Meter:
    """Wall time, this process's CPU time and the number of queries of a timed block. The
    CPU time is load-independent: on SQLite it includes the database engine (in process),
    on PostgreSQL only the client side. Counting queries costs a function call each."""

    db_pid: int | None = None  # a local PostgreSQL server: its CPU is measured too

    def __init__(self):
        self.queries = 0
        self.db_cpu = 0.0

    def _count(self, execute, sql, params, many, context):
        self.queries += 1
        return execute(sql, params, many, context)

    def __enter__(self):
        from django.db import connection

        self._cm = connection.execute_wrapper(self._count)
        self._cm.__enter__()
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        self.db_cpu = tree_cpu(self.db_pid) if self.db_pid else 0.0
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu
        self.db_cpu = tree_cpu(self.db_pid) - self.db_cpu if self.db_pid else 0.0
        self._cm.__exit__(*exc)


@contextlib.contextmanager
def show_queries(label: str, show: bool):
    """With ``show``, print the statements run inside the block, one line each."""
    if not show:
        yield
        return
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        yield
    print(f"-- {label}: {len(ctx.captured_queries)} statements")
    for q in ctx.captured_queries:
        print(f"   {q['sql'][:160]}")


def county_persons(n: int) -> list:
    """``n`` persons of the synthetic county, one per household, spread evenly over it
    (every k-th household by id, its first member)."""
    from django.db.models import Min

    from fangkong.people.models import Household, Person

    hh = list(Household.objects.order_by("pk").values_list("pk", flat=True))
    step = max(1, len(hh) // n)
    picked = hh[::step][:n]
    assert len(picked) == n, f"the county has {len(hh)} households, {n} needed"
    firsts = []
    for i in range(0, len(picked), 900):  # SQLite's parameter limit
        firsts += (
            Person.objects.filter(household_id__in=picked[i : i + 900])
            .values("household_id")
            .annotate(first=Min("pk"))
            .values_list("first", flat=True)
        )
    firsts.sort()
    return [
        p
        for i in range(0, len(firsts), 900)
        for p in Person.objects.filter(pk__in=firsts[i : i + 900])
        .select_related("area")
        .order_by("pk")
    ]


def build(n_sites: int, n_rooms: int, n_persons: int, population: int = 0):
    from fangkong.areas.models import Area
    from fangkong.areas.services import add_area
    from fangkong.core.models import User, UserRole
    from fangkong.core.roles import Role
    from fangkong.people.models import Person
    from fangkong.sites import services
    from fangkong.sites.choices import SiteKind

    if population:
        from fangkong.people.synthetic import populate

        t_pop, made = timed(populate, population, seed=1)
        print(f"synthetic county: {made:,} persons in {Area.objects.count():,} areas, {t_pop:.1f}s")
        county = Area.objects.get(depth=1)
        towns = list(Area.objects.filter(depth=2).order_by("code"))
    else:
        county = add_area(parent=None, code="500242", name="酉阳县", kind="county")
        towns = [
            add_area(parent=county, code=f"500242{100 + i:03d}", name=f"镇{i}", kind="town")
            for i in range(10)
        ]
        villages = [
            add_area(parent=t, code=f"{t.code}{j + 1:03d}", name=f"{t.name}村{j}", kind="village")
            for t in towns
            for j in range(3)
        ]
    users = {}
    for key, role in (("county", Role.COUNTY_COMMAND), ("manager", Role.SITE_MANAGER)):
        u = User.objects.create(username=f"bench_{key}")
        UserRole.objects.create(user=u, role=role)
        u.areas.set([county])
        users[key] = User.objects.get(pk=u.pk)
    by = users["county"]
    kinds = list(SiteKind.values)
    per_site = n_rooms // n_sites
    sites = []
    for i in range(n_sites):
        site = services.create_site(
            by=by,
            data=services.SiteData(
                name=f"隔离点{i:02d}",
                kind=kinds[i % len(kinds)],
                address=f"{towns[i % len(towns)].name}路{i}号",
                area=towns[i % len(towns)],
                manager_name="负责人",
                manager_phone="13800138000",
            ),
        )
        rooms = per_site + (1 if i < n_rooms % n_sites else 0)
        floors = -(-rooms // 20)
        made = services.bulk_create_rooms(site, by=by, floors=floors, rooms_per_floor=20)
        extra = [r.pk for r in made[rooms:]]
        if extra:
            from fangkong.sites.models import Room

            Room.objects.filter(pk__in=extra).delete()
        sites.append(site)
    if population:
        return users, sites, county_persons(n_persons)
    Person.objects.bulk_create(
        [
            Person(
                area=villages[k % len(villages)],
                name=f"人员{k}",
                name_initials="ry",
                birth_date=dt.date(1950, 1, 1) + dt.timedelta(days=(k * 37) % 25000),
                sex="MF"[k % 2],
            )
            for k in range(n_persons)
        ],
        batch_size=5000,
    )
    return users, sites, list(Person.objects.select_related("area").order_by("pk"))


def ready_rooms(n: int):
    from fangkong.sites.models import Room

    # spread over sites: round-robin by room order within each site
    rooms = list(
        Room.objects.filter(state="ready")
        .select_related("site__area")
        .order_by("number", "site_id")[:n]
    )
    return rooms


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument(
        "--population",
        type=int,
        default=850_000,
        help="persons of the synthetic county loaded first (populate(N, seed=1)); the "
        "stays use its persons and households. 0: the small setup, ~3,000 persons of the "
        "bench's own (default 850000)",
    )
    p.add_argument("--sites", type=int, default=30)
    p.add_argument("--rooms", type=int, default=5000)
    p.add_argument("--due", type=int, default=1000, help="persons due on the day (batch)")
    p.add_argument("--singles", type=int, default=300, help="single releases / check-ins timed")
    p.add_argument("--checkins", type=int, default=1500, help="check-ins (new episodes) timed")
    p.add_argument(
        "--db-options",
        default="",
        help='JSON merged into DATABASES["default"]["OPTIONS"] for this run, e.g. '
        '\'{"server_side_binding": true, "prepare_threshold": 2}\'',
    )
    p.add_argument(
        "--profile",
        default="",
        help="write a cProfile of the single releases to this file (pstats format)",
    )
    p.add_argument(
        "--queries",
        action="store_true",
        help="print the statements of the first timed check-in and release (what to cut)",
    )
    args = p.parse_args(argv)
    with setup_django(json.loads(args.db_options) if args.db_options else None):
        return run(args)


def run(args) -> int:
    from django.db import connection, transaction
    from django.test import Client
    from django.utils import timezone

    from fangkong.control.services import start_episode
    from fangkong.people.models import Person
    from fangkong.sites import services
    from fangkong.sites.models import Room, Stay

    vendor = connection.vendor
    Meter.db_pid = database_server_pid()
    n_due = args.due + args.singles
    n_persons = n_due + args.checkins + 200
    print(
        f"# isolation sites bench on {vendor}: {args.sites} sites / {args.rooms} rooms, "
        + (f"synthetic county of {args.population:,} persons" if args.population else "small setup")
    )
    print("load average at start: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    t_build, (users, sites, persons) = timed(
        build, args.sites, args.rooms, n_persons, args.population
    )
    manager, county_user = users["manager"], users["county"]
    print(f"built in {t_build:.1f}s; {Person.objects.count():,} persons in the database")
    due_persons, new_persons = persons[:n_due], persons[n_due : n_due + args.checkins]
    today = timezone.localdate()

    # Persons due today: under control since 4 days (5-day centralized phase), then placed.
    t0 = time.perf_counter()
    for person in due_persons:
        start_episode(person, "close_contact", start_date=today - dt.timedelta(days=4), by=None)
    t_eps = time.perf_counter() - t0
    rooms = ready_rooms(n_due + args.checkins)
    t0 = time.perf_counter()
    for person, room in zip(due_persons, rooms[:n_due], strict=True):
        services.check_in(room, [person], by=manager, reason="close_contact")
    t_place = time.perf_counter() - t0
    print(
        f"setup: {n_due} episodes {n_due / t_eps:.0f}/s; {n_due} check-ins (episode exists) "
        f"{n_due / t_place:.0f}/s"
    )

    # --- check-in throughput: a new episode per person --------------------------------
    with Meter() as m_checkin:
        for i, (person, room) in enumerate(zip(new_persons, rooms[n_due:], strict=True)):
            with show_queries("check-in", args.queries and i == 0):
                services.check_in(room, [person], by=manager, reason="close_contact")
    t_checkin = m_checkin.wall
    checkin_rate = len(new_persons) / t_checkin

    # Rest of a realistic occupancy: some rooms in turnover, reserved and out of service.
    free = list(Room.objects.filter(state="ready").values_list("pk", flat=True))
    now = timezone.now()
    k = len(free)
    Room.objects.filter(pk__in=free[: k // 6]).update(
        state="awaiting_disinfection", vacated_at=now - dt.timedelta(hours=2)
    )
    Room.objects.filter(pk__in=free[k // 6 : k // 4]).update(state="disinfected", vacated_at=now)
    Room.objects.filter(pk__in=free[k // 4 : k // 4 + 100]).update(state="reserved")
    Room.objects.filter(pk__in=free[k // 4 + 100 : k // 4 + 250]).update(state="out_of_service")
    occupied = Room.objects.filter(state="occupied").count()
    print(
        f"occupancy: {occupied} of {args.rooms} rooms occupied, "
        f"{Stay.objects.filter(status='open').count()} persons in rooms"
    )

    # raw baseline for check-in: INSERT the stay + UPDATE the room, one transaction each
    spare_rooms = list(Room.objects.filter(state="ready").values_list("pk", "site_id")[:200])
    spare_persons = [p.pk for p in persons[n_due + args.checkins :]][: len(spare_rooms)]
    tbl = Stay._meta.db_table
    ins = (
        f"INSERT INTO {tbl} (person_id, room_id, site_id, status, check_in_at, reason, "
        "minor_unaccompanied, elderly, early_reason, due_flag, overstay_reason, created_at, "
        "updated_at) VALUES (%s, %s, %s, 'open', %s, 'close_contact', false, false, '', '', '', %s, %s)"
    )
    upd = (
        f"UPDATE {Room._meta.db_table} SET state = 'occupied', state_changed_at = %s WHERE id = %s"
    )
    pairs = list(zip(spare_persons, spare_rooms, strict=False))
    assert pairs, "no spare rooms left for the raw check-in baseline"
    t0 = time.perf_counter()
    for pid, (rid, sid) in pairs:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(ins, [pid, rid, sid, now, now, now])
            cur.execute(upd, [now, rid])
    t_raw_ci = (time.perf_counter() - t0) / len(pairs)
    Stay.objects.filter(person_id__in=spare_persons).delete()
    Room.objects.filter(pk__in=[r for r, _s in spare_rooms]).update(state="ready")

    # --- county capacity page ---------------------------------------------------------
    client = Client()
    client.force_login(county_user)
    assert client.get("/sites/capacity/").status_code == 200
    page_times = []
    for _ in range(15):
        t, resp = timed(client.get, "/sites/capacity/")
        assert resp.status_code == 200
        page_times.append(t)
    page_ms = statistics.median(page_times) * 1000
    raw_sql = [
        f"SELECT site_id, state, COUNT(*), SUM(beds) FROM {Room._meta.db_table} GROUP BY site_id, state",
        f"SELECT site_id, COUNT(*) FROM {tbl} WHERE status = 'open' GROUP BY site_id",
        f"SELECT site_id, check_in_at FROM {tbl} WHERE check_in_at >= %s AND moved_from_id IS NULL",
    ]
    raw_times = []
    for _ in range(15):
        t0 = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute(raw_sql[0])
            cur.fetchall()
            cur.execute(raw_sql[1])
            cur.fetchall()
            cur.execute(raw_sql[2], [now - dt.timedelta(days=7)])
            cur.fetchall()
        raw_times.append(time.perf_counter() - t0)
    raw_page_ms = statistics.median(raw_times) * 1000

    # --- release: singles, then everyone due on the day, site by site -----------------
    services.flag_due_releases()
    due = list(
        Stay.objects.filter(status="open", due_flag="today")
        .select_related("site__area")
        .order_by("pk")
    )
    singles, batch = due[: args.singles], due[args.singles :]
    profiler = cProfile.Profile() if args.profile else None
    with Meter() as m_rel:
        if profiler:
            profiler.enable()
        for i, stay in enumerate(singles):
            with show_queries("release", args.queries and i == 0):
                services.release(stay, by=manager)
        if profiler:
            profiler.disable()
            profiler.dump_stats(args.profile)
    t_rel = m_rel.wall
    release_rate = len(singles) / t_rel
    by_site: dict[int, list] = {}
    for stay in batch:
        by_site.setdefault(stay.site_id, []).append(stay)
    with Meter() as m_batch:
        for stays in by_site.values():
            services.release_batch(stays, by=manager)
    t_batch = m_batch.wall
    assert not Stay.objects.filter(status="open", due_flag="today").exists()

    # raw baseline for release: UPDATE stay, phase (complete), next phase (activate), room
    from fangkong.control.models import ControlPhase

    pt, rt = ControlPhase._meta.db_table, Room._meta.db_table
    rows = list(
        Stay.objects.filter(pk__in=[s.pk for s in due]).values_list("pk", "phase_id", "room_id")
    )
    nxt = dict(
        ControlPhase.objects.filter(
            order=2, episode__phases__pk__in=[r[1] for r in rows]
        ).values_list("episode__phases__pk", "pk")
    )

    def raw_release(pk, phase_id, room_id, cur):
        cur.execute(
            f"UPDATE {tbl} SET status = 'released', check_out_at = %s WHERE id = %s", [now, pk]
        )
        cur.execute(
            f"UPDATE {pt} SET status = 'completed', actual_end_date = %s WHERE id = %s",
            [today, phase_id],
        )
        cur.execute(f"UPDATE {pt} SET status = 'active' WHERE id = %s", [nxt.get(phase_id, 0)])
        cur.execute(
            f"UPDATE {rt} SET state = 'awaiting_disinfection', vacated_at = %s WHERE id = %s",
            [now, room_id],
        )

    t0 = time.perf_counter()
    for r in rows[: args.singles]:
        with transaction.atomic(), connection.cursor() as cur:
            raw_release(*r, cur)
    t_raw_rel = (time.perf_counter() - t0) / max(1, len(rows[: args.singles]))
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        for r in rows[args.singles :]:
            raw_release(*r, cur)
    t_raw_batch = time.perf_counter() - t0

    figures = [
        (
            "county capacity page, median server time",
            f"{page_ms:.1f} ms",
            "< 200 ms",
            page_ms / raw_page_ms,
            page_ms < 200,
        ),
        (
            "check-in (new episode each)",
            f"{checkin_rate:.0f} /s",
            ">= 200/s",
            (1 / checkin_rate) / t_raw_ci,
            checkin_rate >= 200,
        ),
        (
            "release, one at a time",
            f"{release_rate:.0f} /s",
            ">= 200/s",
            (1 / release_rate) / t_raw_rel,
            release_rate >= 200,
        ),
        (
            f"release everyone due ({len(batch)}), batch per site",
            f"{t_batch:.2f} s",
            "< 10 s",
            t_batch / t_raw_batch,
            t_batch < 10,
        ),
    ]
    n_ci, n_rel = len(new_persons), len(singles)
    print()
    print("load average at the end: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    print(
        f"this process's CPU time: check-in {n_ci / m_checkin.cpu:.0f}/s, "
        f"release {n_rel / m_rel.cpu:.0f}/s, batch {m_batch.cpu:.2f} s "
        f"({'database engine included' if vendor == 'sqlite' else 'client side only'})"
    )
    if Meter.db_pid:
        print(
            f"database server's CPU time: check-in {m_checkin.db_cpu / n_ci * 1000:.2f} ms, "
            f"release {m_rel.db_cpu / n_rel * 1000:.2f} ms per call, batch {m_batch.db_cpu:.2f} s"
        )
    print(
        f"queries: check-in {m_checkin.queries / n_ci:.1f} per call, release "
        f"{m_rel.queries / n_rel:.1f} per call, batch {m_batch.queries} for {len(batch)} "
        f"persons in {len(by_site)} calls"
    )
    print()
    print(f"| figure ({vendor}) | measured | target | × raw SQL | ok |")
    print("|---|---|---|---|---|")
    for name, value, target, ratio, ok in figures:
        print(f"| {name} | {value} | {target} | {ratio:.1f}× | {'yes' if ok else 'NO'} |")
    return 0 if all(f[4] for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
