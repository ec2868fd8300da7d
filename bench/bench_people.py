"""People registry at county scale: ID lookup, name / initials search, a township officer's
person list page, and a 50,000-row import with duplicate checking; each against the raw SQL
doing the same work in the same process.

    python -m bench.bench_people [--population 850000] [--db sqlite|postgres] [--repeat 200]
        [--import-rows 50000] [--import-only] [--skip-import] [--sqlite-path FILE] [--export]
        [--search-only]

The population is built once and reused: on SQLite in var/bench/people-<N>/ (--sqlite-path for
a copy), on PostgreSQL in the database fk_bench_people_<N> on DATABASE_URL's server, never the
caller's own database; `python -m bench clean` deletes them.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _setup(args) -> None:
    from bench.common import cached_database

    cached_database(f"people-{args.population}", args.db, args.sqlite_path)


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


def report(name: str, ours: list[float], raw: list[float], stat=statistics.median, unit="ms"):
    a, b = stat(ours), stat(raw)
    ratio = a / b if b else float("inf")
    print(f"{name:<52} {ms(a):>10.2f} {unit}   raw {ms(b):>9.2f} {unit}   ratio {ratio:5.1f}x")
    return {"name": name, "ours_ms": ms(a), "raw_ms": ms(b), "ratio": round(ratio, 2)}


def ensure_population(n: int) -> None:
    from django.core.management import call_command

    from fangkong.areas.services import ensure_county
    from fangkong.people.models import Person

    call_command("migrate", verbosity=0)
    have = Person.objects.count()
    if have >= n * 0.95:
        print(f"population: {have:,} persons (reused)")
        return
    from fangkong.people.synthetic import populate

    ensure_county()
    t = time.perf_counter()
    made = populate(n - have, seed=1)
    print(f"population: built {made:,} persons in {time.perf_counter() - t:.0f} s")


def township_officer():
    from fangkong.areas.models import Area
    from fangkong.core.models import User, UserRole
    from fangkong.people.models import Person

    # the township with the most persons: the hardest case for a township page
    town = max(
        Area.objects.filter(depth=2),
        key=lambda a: Person.objects.filter(area__path__startswith=a.path).count(),
    )
    user, _ = User.objects.get_or_create(username="bench_township")
    UserRole.objects.get_or_create(user=user, role="township_officer")
    user.areas.set([town])
    user = User.objects.get(pk=user.pk)
    return user, town


def bench_lookup(repeat: int) -> dict:
    from django.db import connection

    from fangkong.core.pii import blind_index
    from fangkong.people.models import Person
    from fangkong.people.services import find_by_id_number

    rng = random.Random(7)
    top = Person.objects.order_by("-pk").values_list("pk", flat=True).first()
    ids = [rng.randint(1, top) for _ in range(repeat)]
    numbers = [p.id_number for p in Person.objects.filter(pk__in=ids) if p.id_number]
    it = iter(numbers * 3)
    ours = timed(lambda: find_by_id_number(next(it)), len(numbers))
    hashes = iter([blind_index(n) for n in numbers] * 3)

    def raw():
        with connection.cursor() as cur:
            cur.execute(
                "SELECT id, id_number FROM people_person WHERE id_number_index = %s "
                "ORDER BY status, id LIMIT 1",
                [next(hashes)],
            )
            cur.fetchone()

    return report("lookup by exact ID number (median)", ours, timed(raw, len(numbers)))


def bench_search(user, town, repeat: int) -> list[dict]:

    from fangkong.people.models import Person

    rng = random.Random(11)
    sample = list(
        Person.objects.filter(area__path__startswith=town.path).values_list(
            "name", "name_initials"
        )[::97][:repeat]
    )
    out = []
    for label, queries, column in [
        ("name prefix (surname+1)", [n[:2] for n, _ in sample], "name"),
        ("pinyin initials (2 letters)", [i[:2] for _, i in sample if len(i) >= 2], "name_initials"),
    ]:
        rng.shuffle(queries)
        ours, raw = _search_pair(user, town, queries, column)
        out.append(report(f"search in one township: {label} (median)", ours, raw))
    return out


def _search_pair(user, town, queries: list[str], column: str) -> tuple[list, list]:
    from django.conf import settings
    from django.db import connection

    from fangkong.core import counts
    from fangkong.people.selectors import search_persons

    it = iter(queries)

    def ours():
        # as the page and the API run it: a page of 50 and the count up to its bound
        qs = counts.bounded(search_persons(user, next(it)).order_by("pk"))
        list(qs[:50])
        counts.length(qs)

    it_raw = iter(queries)
    bound = settings.FANGKONG_SEARCH_COUNT_BOUND
    ranged = connection.vendor == "sqlite"  # the range the selector adds there

    def raw():
        q = next(it_raw)
        params = [town.path + "%", q + "%"]
        where = (
            "p.area_id IN (SELECT id FROM areas_area WHERE path LIKE %s) "
            f"AND p.{column} LIKE %s AND p.status = 'active'"
        )
        if ranged:
            params += [q, q[:-1] + chr(ord(q[-1]) + 1)]
            where += f" AND p.{column} >= %s AND p.{column} < %s"
        with connection.cursor() as cur:
            cur.execute(
                "SELECT p.*, a.* FROM people_person p JOIN areas_area a ON a.id = p.area_id "
                f"WHERE {where} ORDER BY p.id LIMIT 50",
                params,
            )
            cur.fetchall()
            cur.execute(
                f"SELECT COUNT(*) FROM (SELECT p.id FROM people_person p WHERE {where} "
                f"LIMIT {bound + 1}) c",
                params,
            )
            cur.fetchone()

    return timed(ours, len(queries)), timed(raw, len(queries))


def county_user():
    from fangkong.areas.models import Area
    from fangkong.core.models import User, UserRole

    user, _ = User.objects.get_or_create(username="bench_county")
    UserRole.objects.get_or_create(user=user, role="county_command")
    user.areas.set([Area.objects.get(depth=1)])
    return User.objects.get(pk=user.pk)


def search_queries(repeat: int) -> dict[str, list[str]]:
    """What people type, from names of the whole county: fragments at the start, the end
    and alone, whole names, initials and full pinyin."""
    from fangkong.core.pinyin import pinyin_full
    from fangkong.people.models import Person

    sample = list(
        Person.objects.order_by("pk").values_list("name", "name_initials")[::4099][:repeat]
    )
    rng = random.Random(13)
    rng.shuffle(sample)
    return {
        "name, 1 character": [n[:1] for n, _ in sample],
        "name, first 2 characters": [n[:2] for n, _ in sample],
        "name, given name (middle/end)": [n[1:] for n, _ in sample if len(n) > 2],
        "full name": [n for n, _ in sample],
        "pinyin initials, 2 letters": [i[:2] for _, i in sample if len(i) >= 2],
        "full pinyin": [pinyin_full(n) for n, _ in sample],
    }


def bench_search_scopes(users: dict, repeat: int) -> list[dict]:
    """County-wide and township search for each kind of query (page of 50 by id + count),
    against raw SQL reading the same index: the search index when the database has one,
    else the plain LIKE over the user's areas (for full pinyin, the initials' part only)."""
    from django.db import connection

    with connection.cursor() as cur:
        indexed = "people_namefragment" in connection.introspection.table_names(cur)
    out = []
    for label, queries in search_queries(repeat).items():
        for who, (user, root) in users.items():
            ours, raw = _scope_pair(user, root, queries, indexed)
            r = report(f"search, {who}: {label} (median)", ours, raw)
            r["p95_ms"] = ms(p95(ours))
            out.append(r)
    print(f"(raw SQL reads {'the search index' if indexed else 'the persons (LIKE)'})")
    return out


def _scope_pair(user, root: str, queries: list[str], indexed: bool) -> tuple[list, list]:
    from django.conf import settings
    from django.db import connection

    from fangkong.core import counts
    from fangkong.people.fragments import exact
    from fangkong.people.selectors import classify_query, search_persons

    it, it_raw = iter(queries), iter(queries)
    bound = settings.FANGKONG_SEARCH_COUNT_BOUND

    def ours():
        # as the page and the API run it: a page of 50 and the count up to its bound
        qs = counts.bounded(search_persons(user, next(it)).order_by("pk"))
        list(qs[:50])
        counts.length(qs)

    def raw():
        kind, value = classify_query(next(it_raw))
        col = "name_initials" if kind == "initials" else "name"
        pattern = value + "%" if kind == "initials" else "%" + value + "%"
        areas = "SELECT id FROM areas_area WHERE path LIKE %s"
        where = f"p.area_id IN ({areas}) AND p.status = 'active'"
        params = [root + "%"]
        if not indexed or not exact(value, initials=kind == "initials"):
            where += f" AND p.{col} LIKE %s"
            params.append(pattern)
        if indexed:
            piece = value[:3].upper() if kind == "initials" else value[:3].lower()
            where += (
                " AND p.id IN (SELECT f.person_id FROM people_namefragment f "
                f"WHERE f.fragment = %s AND f.area_id IN ({areas}))"
            )
            params += [piece, root + "%"]
        with connection.cursor() as cur:
            cur.execute(
                "SELECT p.*, a.* FROM people_person p JOIN areas_area a "
                f"ON a.id = p.area_id WHERE {where} ORDER BY p.id LIMIT 50",
                params,
            )
            cur.fetchall()
            cur.execute(
                f"SELECT COUNT(*) FROM (SELECT p.id FROM people_person p WHERE {where} "
                f"LIMIT {bound + 1}) c",
                params,
            )
            cur.fetchone()

    return timed(ours, len(queries)), timed(raw, len(queries))


def bench_list_page(user, town, repeat: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    client.get("/people/persons/")  # warm
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get("/people/persons/")
    assert resp.status_code == 200
    queries = len(ctx.captured_queries)
    ours = timed(lambda: client.get("/people/persons/"), repeat)

    def raw():
        where = (
            "p.area_id IN (SELECT id FROM areas_area WHERE path LIKE %s) AND p.status = 'active'"
        )
        with connection.cursor() as cur:
            cur.execute(f"SELECT COUNT(*) FROM people_person p WHERE {where}", [town.path + "%"])
            cur.fetchone()
            cur.execute(
                f"SELECT p.*, a.* FROM people_person p JOIN areas_area a ON a.id = p.area_id "
                f"WHERE {where} ORDER BY p.id LIMIT 50",
                [town.path + "%"],
            )
            cur.fetchall()

    r = report(
        f"township person list page, first page (p95, {queries} queries)",
        ours,
        timed(raw, repeat),
        stat=p95,
    )
    r["queries"] = queries
    return r


def make_sheet(user, town, rows: int) -> bytes:
    import io

    from openpyxl import Workbook

    from fangkong.areas.models import Area
    from fangkong.people.models import Person
    from fangkong.people.sheet import HEADERS
    from fangkong.people.synthetic import make_id_number, make_mobile

    rng = random.Random(5)
    leaves = list(
        Area.objects.filter(path__startswith=town.path, numchild=0).values_list("code", flat=True)
    )
    existing = [
        p.id_number
        for p in Person.objects.filter(area__path__startswith=town.path).only("id_number")[
            : rows // 10
        ]
    ]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("人员")
    ws.append(HEADERS)
    seen = []
    import datetime as dt

    for i in range(rows):
        if i % 10 == 0 and existing:
            number = existing.pop()  # already registered: matched, not copied
        elif i % 50 == 1 and seen:
            number = seen[-1]  # repeated within the sheet
        else:
            birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(30000))
            number = make_id_number(rng, birth, rng.random() < 0.5, area_code="500242")
            seen.append(number)
        ws.append(
            [f"导入{i}", "", number, "", "", make_mobile(rng), rng.choice(leaves),
             f"幸福路{i // 3}号", "", "kc01" if i % 40 == 0 else "", ""]
        )  # fmt: skip
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


class _Rollback(Exception):
    pass


def bench_import(user, town, rows: int) -> dict:
    from django.db import connection, transaction

    from fangkong.core.pii import blind_index, encrypt
    from fangkong.people.services.imports import run_import, start_import

    content = make_sheet(user, town, rows)
    t, cpu = time.perf_counter(), time.process_time()
    job = None
    try:
        with transaction.atomic():  # measured, then rolled back: the bench database stays as is
            job = start_import(by=user, filename="bench.xlsx", content=content, mode="all")
            job = run_import(job.pk)
            elapsed, cpu = time.perf_counter() - t, time.process_time() - cpu
            raise _Rollback
    except _Rollback:
        pass
    assert job is not None and job.status == "done", (job and job.status, job and job.message)

    # raw: the same duplicate check (IN lists of blind indexes) and the same inserts
    import io

    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    values = [r for r in ws.iter_rows(min_row=2, values_only=True)]
    t = time.perf_counter()
    try:
        with transaction.atomic():
            idx = [blind_index(str(v[2])) for v in values]
            with connection.cursor() as cur:
                found = set()
                for s in range(0, len(idx), 900):
                    chunk = idx[s : s + 900]
                    marks = ",".join(["%s"] * len(chunk))
                    cur.execute(
                        "SELECT id_number_index FROM people_person "
                        f"WHERE id_number_index IN ({marks})",
                        chunk,
                    )
                    found.update(r[0] for r in cur.fetchall())
                new = [(v, i) for v, i in zip(values, idx, strict=True) if i not in found]
                cur.executemany(
                    "INSERT INTO people_person (created_at, updated_at, area_id, name, "
                    "name_initials, doc_type, id_number, id_number_index, sex, phone, "
                    "phone_index, notes, status) VALUES (CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, "
                    "%s, %s, '', 'resident_id', %s, %s, 'U', %s, '', '', 'active')",
                    [(town.pk, v[0], encrypt(str(v[2])), i, encrypt(str(v[5]))) for v, i in new],
                )
            raw = time.perf_counter() - t
            raise _Rollback
    except _Rollback:
        pass
    r = report(
        f"import {rows:,} rows, duplicate check (created {job.created_count:,}, "
        f"matched {job.matched_count:,})",
        [elapsed],
        [raw],
        unit="ms",
    )
    # wall time suffers from other jobs on a shared machine; the process's own CPU time less
    print(f"{'  of which CPU time of this process':<52} {ms(cpu):>10.2f} ms")
    r["cpu_ms"] = ms(cpu)
    return r


def bench_export(user, rows_limit: int) -> dict:
    from django.test import Client

    from fangkong.core.models import User

    county = User.objects.filter(role_set__role="county_command").first()
    client = Client()
    client.force_login(county or user)
    t = time.perf_counter()
    resp = client.get("/people/persons/?export=xlsx")
    size = sum(len(c) for c in resp.streaming_content)
    elapsed = time.perf_counter() - t
    print(f"{'export of the county list to .xlsx (first ' + format(rows_limit, ',') + ' rows)':<52} "
          f"{elapsed:>10.1f} s    {size / 1e6:.1f} MB")  # fmt: skip
    return {"name": "export", "seconds": round(elapsed, 1), "bytes": size}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench.bench_people", description=__doc__)
    ap.add_argument("--population", type=int, default=850_000)
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--repeat", type=int, default=200)
    ap.add_argument("--import-rows", type=int, default=50_000)
    ap.add_argument("--skip-import", action="store_true")
    ap.add_argument("--import-only", action="store_true", help="only the import figure")
    ap.add_argument("--sqlite-path", type=Path, help="another copy of the SQLite bench database")
    ap.add_argument("--export", action="store_true", help="also time a county export")
    ap.add_argument(
        "--search-only",
        action="store_true",
        help="only the search box, county-wide and in a township, by kind of query",
    )
    args = ap.parse_args(argv)
    _setup(args)
    from django.conf import settings
    from django.db import connection

    settings.ALLOWED_HOSTS = ["*"]
    ensure_population(args.population)
    print(f"database: {connection.vendor}; persons: see above; repeat {args.repeat}")
    user, town = township_officer()
    print(f"township: {town.name} ({town.code})")
    if args.search_only:
        from bench.common import load_average

        print(f"load average: {load_average()}")
        county = county_user()
        scopes = {"county": (county, county.area_paths[0]), "township": (user, town.path)}
        bench_search_scopes(scopes, args.repeat)
        print(f"load average: {load_average()}")
        return 0
    if not args.import_only:
        bench_lookup(args.repeat)
        bench_search(user, town, args.repeat)
        bench_list_page(user, town, args.repeat)
    if not args.skip_import:
        bench_import(user, town, args.import_rows)
    if args.export:
        bench_export(user, settings.FANGKONG_EXPORT_MAX_ROWS)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
