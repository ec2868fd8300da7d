"""Essential workers, rosters and freight passes: compliance at 40,000 workers, a 40,000-row whitelist, a 500-staff roster, pass verification.

    .venv/bin/python -m bench workforce                       # SQLite, 40,000 workers, 30 days
    .venv/bin/python -m bench workforce --workers 5000 --days 10 --roster-seconds 20
    DATABASE_URL=postgres://... .venv/bin/python -m bench workforce

Measures, each with its ratio to raw SQL doing the same work where that is meaningful:
  * the compliance list of one sector (count + first page, as the list page) — target < 150 ms
  * the county's overdue count                                              — target < 500 ms
  * a whitelist import of 40,000 rows (read, check, match, write, sync)     — target < 60 s
  * a roster: 500 staff, 40 posts, 3 shifts a day, 14 days, CP-SAT, every hard rule
    checked by the validator, fairness against a round-robin baseline       — target < 60 s
  * freight pass verification (the fast lane, recorded)                     — target >= 300/s
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import sys
import time
import uuid

from bench.common import fresh_database, load_average, median, report


def build_county(n_towns: int = 39):
    from fangkong.areas.services import add_area

    county = add_area(parent=None, code="500242", name="酉阳县", kind="county")
    towns = []
    for i in range(n_towns):
        towns.append(add_area(parent=county.__class__.objects.get(pk=county.pk),
                              code=f"500242{i + 1:03d}", name=f"镇{i + 1}", kind="town"))  # fmt: skip
    return county, towns


def make_ids(rng: random.Random, n: int, area: str = "500242") -> list[str]:
    from fangkong.people.idnumber import check_character

    out, seen = [], set()
    while len(out) < n:
        first17 = f"{area}{rng.randint(1960, 2000)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
        if first17 in seen:
            continue
        seen.add(first17)
        out.append(first17 + check_character(first17))
    return out


def populate(n_workers: int, days: int, county, towns, rng: random.Random) -> None:
    """Employers in every township and sector, their workers (registry persons), and
    ``days`` days of samples (pooled tubes of 10) and published results."""
    from django.db import transaction
    from django.utils import timezone

    from fangkong.core.db.bulk import BulkInserter
    from fangkong.core.db.ids import reserve_ids
    from fangkong.people.models import Person
    from fangkong.testing.choices import Outcome, PointKind, TubeKind, TubeState
    from fangkong.testing.models import Result, ScreeningRound, TestingPoint, Tube, TubeMember
    from fangkong.workforce.models import Employer, Sector, Worker

    sectors = list(Sector.objects.all())
    employers = []
    for i, town in enumerate(towns):
        for j, s in enumerate(sectors):
            employers.append(Employer(name=f"单位{i}-{j}", code=f"915002420000{i:03d}{j:03d}",
                                      sector=s, area=town))  # fmt: skip
    Employer.objects.bulk_create(employers)
    employers = list(Employer.objects.select_related("sector"))
    ids = make_ids(rng, n_workers)
    person_ids = reserve_ids(Person, n_workers)
    now = timezone.now()
    today = timezone.localdate()
    emp_of = [rng.choice(employers) for _ in range(n_workers)]
    with transaction.atomic():
        BulkInserter(Person, ["id", "area_id", "name", "doc_type", "id_number", "sex"]).insert(
            (pk, e.area_id, f"工人{pk}", "resident_id", idn, "U")
            for pk, e, idn in zip(person_ids, emp_of, ids, strict=True)
        )
        BulkInserter(Worker, ["person_id", "employer_id", "sector_id", "area_id", "active",
                              "joined_on", "loop_state", "pass_code", "last_result"]).insert(
            (pk, e.pk, e.sector_id, e.area_id, True, today - dt.timedelta(days=days), "not_in_loop",
             uuid.uuid4().hex[:20], "")
            for pk, e in zip(person_ids, emp_of, strict=True)
        )  # fmt: skip
    rnd = ScreeningRound.objects.create(name="常态化", starts_at=now - dt.timedelta(days=days + 1),
                                        ends_at=now + dt.timedelta(days=1))  # fmt: skip
    point = TestingPoint.objects.create(name="点", kind=PointKind.FIXED, area=towns[0])
    # each worker sampled on the days its sector asks, most of the time (85 %): some overdue
    swabs = []
    for pk, e in zip(person_ids, emp_of, strict=True):
        every = e.sector.test_interval_days
        offset = rng.randint(0, every - 1)
        for d in range(days, 0, -1):
            if (d + offset) % every == 0 and rng.random() < 0.85:
                swabs.append((now - dt.timedelta(days=d, hours=rng.randint(0, 8)), pk, e.area_id))
    swabs.sort()
    n_tubes = (len(swabs) + 9) // 10
    tube_ids = reserve_ids(Tube, n_tubes)
    with transaction.atomic():
        BulkInserter(Tube, ["id", "barcode", "round_id", "point_id", "area_id", "kind", "capacity",
                            "member_count", "state", "first_sampled_at"]).insert(
            (tid, f"B{tid}", rnd.pk, point.pk, towns[0].pk, TubeKind.POOLED, 10, 10,
             TubeState.REPORTED, swabs[i * 10][0])
            for i, tid in enumerate(tube_ids)
        )  # fmt: skip
        BulkInserter(TubeMember, ["tube_id", "round_id", "person_id", "area_id", "sampled_at",
                                  "client_uuid", "repeat"]).insert(
            (tube_ids[i // 10], rnd.pk, pk, area, at, uuid.uuid4().hex, False)
            for i, (at, pk, area) in enumerate(swabs)
        )  # fmt: skip
        BulkInserter(Result, ["tube_id", "outcome", "tested_at", "reported_at", "released"]).insert(
            (tid, Outcome.NEGATIVE, swabs[i * 10][0] + dt.timedelta(hours=4),
             swabs[i * 10][0] + dt.timedelta(hours=5), True)
            for i, tid in enumerate(tube_ids)
        )  # fmt: skip
    print(
        f"  {n_workers} workers, {len(employers)} employers, {len(swabs)} swabs in {n_tubes} tubes",
        flush=True,
    )


def timeit(fn, n: int = 7) -> float:
    fn()
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return median(times)


def bench_compliance(county_user) -> None:
    from django.core.paginator import Paginator
    from django.db import connection
    from django.utils import timezone

    from fangkong.core.db.vendor import table
    from fangkong.workforce import selectors
    from fangkong.workforce.models import Sector, Worker

    today = timezone.localdate()
    sector = Sector.objects.get(code="courier")

    def page():
        qs = selectors.compliance_list(county_user, sector=sector)
        p = Paginator(qs, 50).get_page(1)
        return [(w.person.name, w.employer.name, w.next_due_on) for w in p.object_list]

    w = table(Worker)

    def raw_page():
        with connection.cursor() as cur:
            cur.execute(f"SELECT COUNT(*) FROM {w} WHERE sector_id = %s AND active", [sector.pk])  # noqa: S608
            cur.fetchone()
            cur.execute(
                f"SELECT p.name, e.name, x.next_due_on FROM {w} x JOIN people_person p ON p.id = x.person_id "  # noqa: S608
                f"JOIN workforce_employer e ON e.id = x.employer_id WHERE x.sector_id = %s AND x.active "
                "ORDER BY x.next_due_on, x.id LIMIT 50",
                [sector.pk],
            )
            return cur.fetchall()

    report(
        "compliance list, one sector (count + page)",
        timeit(page) * 1000,
        timeit(raw_page) * 1000,
        "ms",
        "< 150 ms",
    )

    def overdue():
        return selectors.overdue_count(county_user)

    def raw_overdue():
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT COUNT(*) FROM {w} WHERE active AND (next_due_on < %s OR next_due_on IS NULL)",
                [today],
            )  # noqa: S608
            return cur.fetchone()[0]

    assert overdue() == raw_overdue()
    report(
        "county overdue count", timeit(overdue) * 1000, timeit(raw_overdue) * 1000, "ms", "< 500 ms"
    )
    by = timeit(lambda: selectors.compliance_by(county_user, "sector"), 3)
    print(f"  compliance per sector / township (one grouped query each): {by * 1000:.1f} / "
          f"{timeit(lambda: selectors.compliance_by(county_user, 'township'), 3) * 1000:.1f} ms; "
          f"overdue {overdue()} of {Worker.objects.count()}", flush=True)  # fmt: skip


def bench_import(n_rows: int, county_user, rng: random.Random) -> None:
    from django.db import connection, transaction
    from openpyxl import Workbook

    from fangkong.workforce import services
    from fangkong.workforce.models import Employer, Sector, WhitelistImport, Worker
    from fangkong.workforce.services.whitelist import run_whitelist_import

    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["姓名", "证件号码", "手机号码", "岗位", "是否闭环", "闭环地点"])
    ids = make_ids(random.Random(99), n_rows, area="500241")  # new people, none listed yet
    for i, idn in enumerate(ids):
        ws.append([f"新员工{i}", idn, f"139{i:08d}", "配送", "否", ""])
    buf = io.BytesIO()
    wb.save(buf)
    employer = services.create_employer(by=county_user, data=services.EmployerData(
        name="大型物流园", code="91500242MA5U9YYY99", sector=Sector.objects.get(code="courier"),
        area=Employer.objects.first().area))  # fmt: skip
    job = services.start_whitelist_import(employer, by=county_user, filename="w.xlsx",
                                          content=buf.getvalue(), mode="all")  # fmt: skip
    t = time.perf_counter()
    job = run_whitelist_import(job.pk)
    took = time.perf_counter() - t
    assert job.status == WhitelistImport.Status.DONE, job.message
    assert Worker.objects.filter(employer=employer).count() == n_rows
    # raw: the same rows straight into the two tables, no reading, checking or matching
    t = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.executemany(
            "INSERT INTO people_person (created_at, updated_at, area_id, name, name_initials, doc_type, "
            "id_number, id_number_index, sex, phone, phone_index, notes, status, version) "
            "VALUES (%s, %s, %s, %s, '', 'resident_id', %s, %s, 'U', '', '', '', 'active', 1)",
            [
                (job.created_at, job.created_at, employer.area_id, f"r{i}", idn, f"x{i}")
                for i, idn in enumerate(ids)
            ],
        )
        transaction.set_rollback(True)
    raw = time.perf_counter() - t
    report(f"whitelist import, {n_rows} rows", took, raw, "s", "< 60 s")


def bench_passes(county, county_user, n_checks: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from fangkong.logistics import services
    from fangkong.logistics.models import FreightPass

    today = timezone.localdate()
    FreightPass.objects.bulk_create([
        FreightPass(number=f"500242{i:06d}", area=county, applicant_name="x", applicant_role="shipper",
                    goods_class="medical", goods="药", plate=f"渝A{i:05d}", origin="重庆市酉阳县",
                    destination="重庆市秀山县", valid_from=today, valid_to=today + dt.timedelta(days=3),
                    status="approved")
        for i in range(1, 2001)
    ])  # fmt: skip
    rng = random.Random(5)
    numbers = [f"500242{rng.randint(1, 2000):06d}" for _ in range(n_checks)]
    from django.test.utils import CaptureQueriesContext

    services.verify_freight_pass(numbers[0], area=county, checkpoint="G65")  # warm
    with CaptureQueriesContext(connection) as ctx:
        services.verify_freight_pass(numbers[0], area=county, checkpoint="G65")
    print(f"  statements per recorded verification: {len(ctx.captured_queries)}", flush=True)
    t = time.perf_counter()
    for n in numbers:
        services.verify_freight_pass(n, area=county, checkpoint="G65")
    ours = n_checks / (time.perf_counter() - t)
    t = time.perf_counter()
    with connection.cursor() as cur:
        for n in numbers:
            cur.execute(
                "SELECT id, status, valid_from, valid_to FROM logistics_freightpass WHERE number = %s",
                [n],
            )
            row = cur.fetchone()
            cur.execute("INSERT INTO logistics_passcheck (at, number, freight_pass_id, verdict, area_id, checkpoint) "
                        "VALUES (%s, %s, %s, 'valid', %s, 'G65')", [timezone.now(), n, row[0], county.pk])  # fmt: skip
    raw = n_checks / (time.perf_counter() - t)
    report(f"freight pass verification, {n_checks} scans", ours, raw, "/s", ">= 300/s")


def bench_work_pass(n: int) -> None:
    from fangkong.workforce.models import Worker
    from fangkong.workforce.services.compliance import verify_work_pass

    codes = list(Worker.objects.values_list("pass_code", flat=True)[:n])
    t = time.perf_counter()
    for c in codes:
        verify_work_pass("FKW:" + c)
    print(f"  work pass verification (synced from the testing records first): "
          f"{len(codes) / (time.perf_counter() - t):.0f} /s", flush=True)  # fmt: skip


def roster_problem(n_staff=500, n_posts=40, days=14, seed=1):
    from fangkong.workforce.roster import Problem, Rules, Shift, Staff

    rnd = random.Random(seed)
    staff = [Staff(i, frozenset({"medical"}) if rnd.random() < 0.45 else frozenset(), i < n_staff // 4)
             for i in range(n_staff)]  # fmt: skip
    shifts = []
    for p in range(n_posts):
        closed = p < n_posts // 5
        qual = "medical" if n_posts // 5 <= p < n_posts // 5 + 10 else ""
        for d in range(days):
            for j, st in enumerate((0, 8, 16)):
                shifts.append(
                    Shift(len(shifts), p, d, st, 8, 2, closed, qual, f"post{p} day{d} shift{j}")
                )
    return Problem(days, staff, shifts, Rules())


def bench_roster(seconds: float) -> None:
    from fangkong.workforce import roster

    problem = roster_problem()
    t = time.perf_counter()
    sol = roster.solve(problem, seconds=seconds)
    took = time.perf_counter() - t
    broken = roster.validate(problem, sol.assignments)
    base = roster.round_robin(problem)
    lo, hi, spread = roster.spread(problem, sol.assignments)
    blo, bhi, bspread = roster.spread(problem, base.assignments)
    places = sum(s.needed for s in problem.shifts)
    print(f"roster 500 staff x 40 posts x 3 shifts x 14 days: {took:.1f} s ({sol.status}), "
          f"{len(sol.assignments)}/{places} places, {sol.uncovered_total} uncovered, "
          f"{len(broken)} broken rules (validator)   (target < 60 s, 0 broken)", flush=True)  # fmt: skip
    print(f"  fairness, hours per person min/max/spread: CP-SAT {lo:.0f}/{hi:.0f}/{spread:.0f} h; "
          f"round robin {blo:.0f}/{bhi:.0f}/{bspread:.0f} h with {base.uncovered_total} uncovered, "
          f"{len(roster.validate(problem, base.assignments))} broken", flush=True)  # fmt: skip


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=40000)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--import-rows", type=int, default=40000)
    ap.add_argument("--checks", type=int, default=3000)
    ap.add_argument("--roster-seconds", type=float, default=45)
    ap.add_argument("--only", default="")
    args = ap.parse_args(argv)
    print(f"load average {load_average()}", flush=True)
    with fresh_database() as vendor:
        print(f"database: {vendor}", flush=True)
        from django.utils import timezone

        from fangkong.core.roles import Role
        from fangkong.workforce.services.compliance import sync
        from tests.factories import UserFactory

        rng = random.Random(1)
        county, towns = build_county()
        user = UserFactory(roles=[Role.COUNTY_COMMAND], areas=[county])
        if args.only in ("", "compliance"):
            t = time.perf_counter()
            populate(args.workers, args.days, county, towns, rng)
            print(f"  populated in {time.perf_counter() - t:.1f} s", flush=True)
            t = time.perf_counter()
            n = sync()
            print(f"  full compliance sync from the testing tables: {time.perf_counter() - t:.1f} s "
                  f"({n} workers changed); incremental (last 10 min): "
                  f"{timeit(lambda: sync(since=timezone.now() - dt.timedelta(minutes=10)), 3) * 1000:.0f} ms", flush=True)  # fmt: skip
            bench_compliance(user)
            bench_work_pass(300)
        if args.only in ("", "import"):
            if args.only != "":
                populate(1000, 2, county, towns, rng)
            bench_import(args.import_rows, user, rng)
        if args.only in ("", "passes"):
            bench_passes(county, user, args.checks)
        if args.only in ("", "roster"):
            bench_roster(args.roster_seconds)
    print(f"load average {load_average()}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
