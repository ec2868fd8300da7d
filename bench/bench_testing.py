"""Mass testing at county scale: device bulk upload (1,000,000 swabs), scans under load
from a second process, round coverage, and a positive pool's follow-up; each printed with
its figure and, where there is one, its ratio to the raw database doing the same work.

    python -m bench.bench_testing [--population 850000] [--members 1000000] [--scan-seconds 20]
        [--rate 300] [--threads 16] [--web-workers 2] [--web-threads 4] [--conn-max-age N]
        [--only upload|scans] [--skip-scans]

SQLite by default (a fresh temporary database); PostgreSQL when DATABASE_URL is set.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

from bench.common import (
    children_cpu,
    fresh_database,
    gunicorn,
    load_average,
    paced_clients,
    post_plans,
    report,
    run_load_child,
    timed,
    tree_cpu,
)

ROOT = Path(__file__).resolve().parent.parent
BATCH = 10_000  # swabs per device upload (1,000 tubes of 10)


def _setup_world(population: int, members: int):
    from django.utils import timezone

    from fangkong.areas.models import Area
    from fangkong.core.models import User, UserRole
    from fangkong.people.synthetic import populate
    from fangkong.testing import services

    t = time.perf_counter()
    populate(population)
    print(
        f"  county of {population:,} persons loaded in {time.perf_counter() - t:.0f}s", flush=True
    )
    county = Area.objects.get(depth=1)
    boss = User.objects.create(username="bench-county")
    UserRole.objects.create(user=boss, role="county_command")
    boss.areas.set([county])
    sampler = User.objects.create(username="bench-sampler")
    UserRole.objects.create(user=sampler, role="sampler")
    sampler.areas.set([county])
    lab_user = User.objects.create(username="bench-lab")
    UserRole.objects.create(user=lab_user, role="lab_technician")
    lab_user.areas.set([county])
    now = timezone.now()
    point = services.create_point(name="bench point", kind="fixed", area=county,
                                  samplers=[sampler], by=boss)  # fmt: skip
    rounds = [
        services.create_round(
            name=f"bench round {i}",
            areas=[county],
            by=boss,
            starts_at=now - dt.timedelta(hours=6),
            ends_at=now + dt.timedelta(days=1),
        )  # fmt: skip
        for i in range(2 + -(-members // population))
    ]
    lab = services.create_lab(name="bench lab", code="BENCH", area=county,
                              technicians=[lab_user], by=boss)  # fmt: skip
    return boss, sampler, lab_user, point, rounds, lab


def _batches(person_ids: list[int], rounds, members: int, prefix: str):
    """(round, tubes, members) device batches: 10 swabs a tube, a person once per round."""
    at = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat()
    n = len(person_ids)
    out = []
    for start in range(0, members, BATCH):
        stop = min(start + BATCH, members)
        rnd = rounds[start // n]
        tubes, mems = [], []
        for i in range(start, stop):
            code = f"{prefix}{i // 10:09d}"
            if i % 10 == 0:
                tubes.append({"barcode": code, "kind": "pooled", "closed": False})
            mems.append({"client_uuid": str(uuid.uuid4()), "tube": code,
                         "person_id": person_ids[i % n], "sampled_at": at})  # fmt: skip
        out.append((rnd, tubes, mems))
    return out


def _raw_insert(batches, point, sampler, lab_prefix: str = "R") -> tuple[float, float]:
    """The raw database inserting the same rows: ``executemany`` of each batch's tubes, a
    select of their ids, ``executemany`` of its members, in one transaction. Returns the
    seconds of the database's work alone (parameter tuples built before the clock) and of
    building those tuples in Python (uuid, time adaptation), timed apart."""
    from django.db import connection, transaction

    from fangkong.testing.models import Tube, TubeMember

    adapt = connection.ops.adapt_datetimefield_value
    uuid_prep = TubeMember._meta.get_field("client_uuid").get_db_prep_value
    now = adapt(dt.datetime.now(dt.UTC))
    prepared = []
    t_prep = time.perf_counter()
    for rnd, tubes, mems in batches:
        at = {}
        tube_rows = [(lab_prefix + t["barcode"], rnd.pk, point.pk, point.area_id, sampler.pk,
                      sampler.pk, now, now) for t in tubes]  # fmt: skip
        member_rows = []
        for m in mems:
            s = m["sampled_at"]
            if s not in at:
                at[s] = adapt(dt.datetime.fromisoformat(s))
            member_rows.append((lab_prefix + m["tube"], rnd.pk, m["person_id"], point.area_id,
                                at[s], sampler.pk,
                                uuid_prep(uuid.uuid4(), connection, prepared=False), False))  # fmt: skip
        prepared.append((tube_rows, member_rows))
    prep = time.perf_counter() - t_prep
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        for tube_rows, member_rows in prepared:
            cur.executemany(
                "INSERT INTO testing_tube (barcode, round_id, point_id, area_id, kind, capacity,"
                " member_count, state, sampler_id, created_by_id, created_at, updated_at)"
                " VALUES (%s, %s, %s, %s, 'pooled', 10, 0, 'open', %s, %s, %s, %s)",
                tube_rows,
            )
            ids = dict(Tube.objects.filter(barcode__in=[r[0] for r in tube_rows])
                       .values_list("barcode", "id"))  # fmt: skip
            cur.executemany(
                "INSERT INTO testing_tubemember (tube_id, round_id, person_id, area_id, sampled_at,"
                " sampler_id, client_uuid, repeat) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                [(ids[r[0]], *r[1:]) for r in member_rows],
            )
    elapsed = time.perf_counter() - t0
    # raw deletes too: the ORM's delete() would collect 100,000 tubes' SET_NULL relations
    # into one UPDATE, over PostgreSQL's parameter limit (fangkong/core/dbbackend/base.py)
    with transaction.atomic(), connection.cursor() as cur:
        inner = "SELECT id FROM testing_tube WHERE barcode LIKE %s"
        cur.execute(
            f"DELETE FROM testing_tubemember WHERE tube_id IN ({inner})", [lab_prefix + "%"]
        )
        cur.execute("DELETE FROM testing_tube WHERE barcode LIKE %s", [lab_prefix + "%"])
    return elapsed, prep


def bench_upload(args, world, person_ids):
    """Through the upload API path: ``POST /api/v1/testing/uploads`` with a sampler's token,
    in process (Django's test client: the whole middleware stack, authentication, the
    schema, the service, the JSON answer; no socket). Bodies are encoded before the clock."""
    from django.test import Client

    from fangkong.core.services.tokens import create_token

    boss, sampler, _lab_user, point, rounds, _lab = world
    batches = _batches(person_ids, rounds, args.members, "U")
    # The million swabs waiting to be sent live in this process, not in a server's: kept out
    # of the garbage collector's scans (for both sides), which otherwise walk them again
    # and again while the batches allocate.
    gc.collect()
    gc.freeze()
    raw, prep = _raw_insert(batches, point, sampler)
    _t, key = create_token(name="bench device", by=sampler)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    url = "/api/v1/testing/uploads"
    ours = 0.0
    recorded = errors = 0
    profiler = cProfile.Profile() if args.profile else None
    for rnd, tubes, mems in batches:
        body = json.dumps({"round_id": rnd.pk, "point_id": point.pk, "tubes": tubes,
                           "members": mems})  # fmt: skip
        t0 = time.perf_counter()
        if profiler:
            profiler.enable()
        resp = client.post(url, body, content_type="application/json")
        if profiler:
            profiler.disable()
        ours += time.perf_counter() - t0
        assert resp.status_code == 200, resp.content[:500]
        r = resp.json()
        recorded += r["recorded"]
        errors += len(r["errors"])
    assert recorded == args.members and errors == 0, (recorded, errors)
    if profiler:
        profiler.dump_stats(args.profile)
    # sent again: nothing written twice
    rnd, tubes, mems = batches[0]
    again = client.post(url, json.dumps({"round_id": rnd.pk, "point_id": point.pk,
                                         "tubes": tubes, "members": mems}),
                        content_type="application/json").json()  # fmt: skip
    assert again["recorded"] == 0 and again["already_recorded"] == len(mems), again
    gc.unfreeze()
    rate = args.members / ours
    report(f"upload API {args.members:,} swabs ({rate:,.0f}/s; raw {args.members / raw:,.0f}/s)",
           ours, raw, target=">= 20,000/s, <= 3x raw")  # fmt: skip
    print(f"{'  vs raw building its rows in Python too':<48} {'':>9}     raw {raw + prep:>8.2f} s"
          f"   ratio {ours / (raw + prep):5.2f}x   ({args.members / (raw + prep):,.0f}/s)", flush=True)  # fmt: skip
    return rounds[0]


def bench_coverage(rnd):
    from django.db import connection

    from fangkong.testing import selectors

    runs = [timed(selectors.coverage, rnd) for _ in range(3)]
    best = min(runs, key=lambda r: r.wall)
    cov = best.result

    def raw():
        with connection.cursor() as cur:
            cur.execute(
                "SELECT area_id, COUNT(*) FROM people_person WHERE status = 'active' GROUP BY area_id"
            )
            cur.fetchall()
            cur.execute("SELECT area_id, COUNT(DISTINCT person_id) FROM testing_tubemember"
                        " WHERE round_id = %s GROUP BY area_id", [rnd.pk])  # fmt: skip
            cur.fetchall()

    raw_t = min(timed(raw).wall for _ in range(3))
    report(f"coverage of a county round ({cov.target:,} target, {cov.sampled:,} sampled)",
           best.wall, raw_t, target="< 2 s")  # fmt: skip


def bench_positive(world, person_ids, n: int = 5):
    from django.db import connection
    from django.utils import timezone

    from fangkong.testing import services
    from fangkong.testing.models import Tube

    boss, sampler, lab_user, point, rounds, lab = world
    rnd = rounds[-1]
    times = []
    for k in range(n):
        members = person_ids[-(k + 1) * 10 : len(person_ids) - k * 10]
        at = timezone.now().isoformat()
        services.upload_batch(rnd, point, by=sampler,
                              tubes=[{"barcode": f"POS{k:05d}", "closed": True}],
                              members=[{"client_uuid": str(uuid.uuid4()), "tube": f"POS{k:05d}",
                                        "person_id": p, "sampled_at": at} for p in members])  # fmt: skip
        Tube.objects.filter(barcode=f"POS{k:05d}").update(
            state="received", received_at=timezone.now(), lab=lab
        )
        tube = Tube.objects.get(barcode=f"POS{k:05d}")
        times.append(timed(services.record_result, tube, outcome="positive", by=lab_user).wall)

    def raw():  # the rows the follow-up writes, written bare: 10 episodes, 10 tasks, notes
        with connection.cursor() as cur:
            cur.execute("SELECT id FROM testing_tubemember WHERE tube_id = %s", [tube.pk])
            cur.fetchall()

    raw_t = statistics.median(timed(raw).wall for _ in range(5))
    report("positive pool of 10 → controlled, retests, notices", statistics.median(times), raw_t,
           target="< 0.2 s")  # fmt: skip


def bench_scans(args, world, person_ids):
    """gunicorn on loopback; a second process paces keep-alive clients at a fixed rate (an
    open loop: a slow answer does not slow the offered load) and records each latency."""
    from fangkong.core.services.tokens import create_token
    from fangkong.people.models import Person
    from fangkong.testing.services import person_qr_payload

    _boss, sampler, _lab, point, rounds, _l = world
    _t, key = create_token(name="bench scanner", by=sampler)
    rnd = rounds[-2]
    n = int(args.rate * args.scan_seconds)
    codes = [person_qr_payload(Person(pk=pk)) for pk in person_ids[:n]]
    extra = []
    if args.conn_max_age is not None:
        # what settings.CONN_MAX_AGE would give: a connection kept per worker thread
        conf = Path(os.environ["FANGKONG_VAR_DIR"]) / "gunicorn_bench.py"
        conf.write_text(
            "def post_worker_init(worker):\n"
            "    from django.db import connections\n"
            f"    connections.settings['default']['CONN_MAX_AGE'] = {args.conn_max_age}\n"
        )
        extra = ["-c", str(conf)]
    with gunicorn(args.web_workers, args.web_threads, *extra) as (server, port):
        config = {"port": port, "key": key, "round": rnd.pk, "point": point.pk, "codes": codes,
                  "rate": args.rate, "threads": args.threads}  # fmt: skip
        c0, s0 = children_cpu(), tree_cpu(server.pid)
        res = run_load_child("bench.bench_testing", config)
        c1, s1 = children_cpu(), tree_cpu(server.pid)
    # CPU of the load process, and of gunicorn's processes while the load ran
    client_ms = (c1 - c0) / res["n"] * 1000
    server_ms = (s1 - s0) / res["n"] * 1000
    from fangkong.core.models import AuditLog
    from fangkong.testing.models import TubeMember

    stored = TubeMember.objects.filter(round=rnd).count()
    audited = AuditLog.objects.filter(object_type="testing.tubemember", action="create").count()
    how = f"{args.web_workers}x{args.web_threads} web, {args.threads} clients"
    if args.conn_max_age is not None:
        how += f", CONN_MAX_AGE={args.conn_max_age}"
    print(f"{'scan endpoint, ' + how:<48} "
          f"{res['rate']:>7.0f} /s   p50 {res['p50'] * 1000:.1f} ms   p99 {res['p99'] * 1000:.1f} ms   "
          f"errors {res['errors']}/{res['n']}   stored {stored}, audit rows {audited}   "
          f"CPU/scan: server {server_ms:.1f} ms, client {client_ms:.1f} ms   "
          f"(target >= 300/s, p99 < 100 ms)", flush=True)  # fmt: skip


def load_child() -> None:
    """The load generator (a separate process): paced scans, each client on its own
    keep-alive socket (a lean client leaves the CPU to the server on a 2-core machine)."""
    cfg = json.loads(sys.stdin.read())
    threads = cfg["threads"]
    bodies = [  # client i % threads sends it as its (i // threads)th scan
        json.dumps(
            {
                "round_id": cfg["round"],
                "point_id": cfg["point"],
                "person": code,
                "tube": f"L{i % threads:03d}{i // threads // 10:07d}",
                "client_uuid": str(uuid.uuid4()),
            }
        ).encode()
        for i, code in enumerate(cfg["codes"])
    ]
    auth = f"Authorization: Bearer {cfg['key']}\r\n"
    plans = post_plans("/api/v1/testing/scan", bodies, threads, auth)
    print(json.dumps(paced_clients(cfg["port"], plans, cfg["rate"])))


def main() -> None:
    if "--load-child" in sys.argv:
        load_child()
        return
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--population", type=int, default=850_000)
    ap.add_argument("--members", type=int, default=1_000_000)
    ap.add_argument("--scan-seconds", type=float, default=20)
    ap.add_argument("--rate", type=float, default=300)
    ap.add_argument("--threads", type=int, default=16)
    ap.add_argument("--web-workers", type=int, default=2)
    ap.add_argument("--web-threads", type=int, default=4)
    ap.add_argument("--conn-max-age", type=int, default=None,
                    help="run the web workers with this CONN_MAX_AGE (the settings' own "
                    "when omitted: 60 s on PostgreSQL, none on SQLite)")  # fmt: skip
    ap.add_argument("--skip-scans", action="store_true")
    ap.add_argument("--profile", default="", help="cProfile of the upload calls to this file")
    ap.add_argument("--only", choices=["upload", "scans"], help="run one part (after the load)")
    args = ap.parse_args()
    with fresh_database() as vendor:
        print(f"# mass testing on {vendor}, load {load_average()}", flush=True)
        world = _setup_world(args.population, args.members)
        from fangkong.people.models import Person

        person_ids = list(Person.objects.order_by("pk").values_list("pk", flat=True))
        if args.only == "scans":
            bench_scans(args, world, person_ids)
            return
        rnd = bench_upload(args, world, person_ids)
        if args.only == "upload":
            return
        bench_coverage(rnd)
        bench_positive(world, person_ids)
        if not args.skip_scans:
            bench_scans(args, world, person_ids)


if __name__ == "__main__":
    main()
