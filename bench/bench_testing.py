"""Mass testing at county scale: device bulk upload (1,000,000 swabs), scans under load
from a second process, round coverage, and a positive pool's follow-up; each printed with
its figure and, where there is one, its ratio to the raw database doing the same work.

    python -m bench.bench_testing [--population 850000] [--members 1000000] [--scan-seconds 20]

SQLite by default (a fresh temporary database); PostgreSQL when DATABASE_URL is set.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from bench.common import fresh_database, load_average, report, timed

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


def _raw_insert(batches, point, sampler, lab_prefix: str = "R") -> float:
    """The raw database inserting the same rows: executemany of tubes, then of members."""
    from django.db import connection, transaction

    from fangkong.testing.models import Tube, TubeMember

    t0 = time.perf_counter()
    adapt = connection.ops.adapt_datetimefield_value
    uuid_prep = TubeMember._meta.get_field("client_uuid").get_db_prep_value
    now = adapt(dt.datetime.now(dt.UTC))
    with transaction.atomic(), connection.cursor() as cur:
        for rnd, tubes, mems in batches:
            cur.executemany(
                "INSERT INTO testing_tube (barcode, round_id, point_id, area_id, kind, capacity,"
                " member_count, state, sampler_id, created_by_id, created_at, updated_at)"
                " VALUES (%s, %s, %s, %s, 'pooled', 10, 0, 'open', %s, %s, %s, %s)",
                [(lab_prefix + t["barcode"], rnd.pk, point.pk, point.area_id, sampler.pk,
                  sampler.pk, now, now) for t in tubes],
            )  # fmt: skip
            ids = dict(Tube.objects.filter(barcode__in=[lab_prefix + t["barcode"] for t in tubes])
                       .values_list("barcode", "id"))  # fmt: skip
            cur.executemany(
                "INSERT INTO testing_tubemember (tube_id, round_id, person_id, area_id, sampled_at,"
                " sampler_id, client_uuid, repeat) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                [(ids[lab_prefix + m["tube"]], rnd.pk, m["person_id"], point.area_id,
                  adapt(dt.datetime.fromisoformat(m["sampled_at"])), sampler.pk,
                  uuid_prep(uuid.uuid4(), connection, prepared=False), False) for m in mems],
            )  # fmt: skip
    elapsed = time.perf_counter() - t0
    with transaction.atomic():
        TubeMember.objects.filter(tube__barcode__startswith=lab_prefix).delete()
        Tube.objects.filter(barcode__startswith=lab_prefix).delete()
    return elapsed


def bench_upload(args, world, person_ids):
    from fangkong.testing import services

    boss, sampler, _lab_user, point, rounds, _lab = world
    batches = _batches(person_ids, rounds, args.members, "U")
    raw = _raw_insert(batches, point, sampler)
    t0 = time.perf_counter()
    recorded = errors = 0
    for rnd, tubes, mems in batches:
        r = services.upload_batch(rnd, point, tubes=tubes, members=mems, by=sampler)
        recorded += r.recorded
        errors += len(r.errors)
    ours = time.perf_counter() - t0
    assert recorded == args.members and errors == 0, (recorded, errors)
    # sent again: nothing written twice
    again = services.upload_batch(
        batches[0][0], point, tubes=batches[0][1], members=batches[0][2], by=sampler
    )
    assert again.recorded == 0 and again.already_recorded == len(batches[0][2])
    rate = args.members / ours
    report(f"upload {args.members:,} swabs ({rate:,.0f}/s; raw {args.members / raw:,.0f}/s)",
           ours, raw, target=">= 20,000/s, <= 3x raw")  # fmt: skip
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


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def bench_scans(args, world, person_ids):
    """gunicorn on loopback; a second process (this one's load threads run in a child)
    sends scans at a fixed rate and records each latency."""
    from fangkong.core.services.tokens import create_token

    _boss, sampler, _lab, point, rounds, _l = world
    _t, key = create_token(name="bench scanner", by=sampler)
    from fangkong.people.models import Person

    rnd = rounds[-2]
    n = int(args.rate * args.scan_seconds)
    ids = [
        str(v)
        for v in Person.objects.filter(pk__in=person_ids[: n + 10]).values_list("id", flat=True)
    ]
    from fangkong.testing.services import person_qr_payload

    codes = [person_qr_payload(Person(pk=int(i))) for i in ids[:n]]
    port = _free_port()
    env = dict(os.environ, FANGKONG_LOG_LEVEL="ERROR")
    from django.db import connections

    connections.close_all()
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "fangkong.wsgi", "-b", f"127.0.0.1:{port}",
         "--workers", str(args.web_workers), "--threads", "4", "--log-level", "warning"],
        env=env, cwd=ROOT,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        payload = json.dumps({"port": port, "key": key, "round": rnd.pk, "point": point.pk,
                              "codes": codes, "rate": args.rate, "threads": args.threads})  # fmt: skip
        out = subprocess.run([sys.executable, "-m", "bench.bench_testing", "--load-child"],
                             input=payload, capture_output=True, text=True, cwd=ROOT, check=True)  # fmt: skip
        res = json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"{'scan endpoint under load (' + str(args.threads) + ' clients)':<48} "
          f"{res['rate']:>7.0f} /s   p50 {res['p50'] * 1000:.1f} ms   p99 {res['p99'] * 1000:.1f} ms   "
          f"errors {res['errors']}/{res['n']}   (target >= 300/s, p99 < 100 ms)", flush=True)  # fmt: skip


def load_child() -> None:
    """The load generator (a separate process): paced clients on keep-alive connections."""
    cfg = json.loads(sys.stdin.read())
    codes, threads, rate = cfg["codes"], cfg["threads"], cfg["rate"]
    lat: list[float] = []
    errors = [0]
    lock = threading.Lock()
    t_start = time.perf_counter() + 0.5

    def worker(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", cfg["port"], timeout=10)
        mine = codes[k::threads]
        interval = threads / rate
        for j, code in enumerate(mine):
            due = t_start + j * interval + k * (interval / threads)
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            body = json.dumps({"round_id": cfg["round"], "point_id": cfg["point"], "person": code,
                               "tube": f"L{k:03d}{j // 10:07d}", "client_uuid": str(uuid.uuid4())})  # fmt: skip
            t = time.perf_counter()
            try:
                conn.request("POST", "/api/v1/testing/scan", body,
                             {"Authorization": f"Bearer {cfg['key']}", "Content-Type": "application/json"})  # fmt: skip
                resp = conn.getresponse()
                resp.read()
                ok = resp.status == 201
            except OSError:
                ok = False
                conn = http.client.HTTPConnection("127.0.0.1", cfg["port"], timeout=10)
            took = time.perf_counter() - t
            with lock:
                lat.append(took)
                if not ok:
                    errors[0] += 1

    ts = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    wall = time.perf_counter() - t_start
    lat.sort()
    print(json.dumps({"n": len(lat), "rate": len(lat) / wall, "errors": errors[0],
                      "p50": lat[len(lat) // 2], "p99": lat[min(len(lat) - 1, int(len(lat) * 0.99))]}))  # fmt: skip


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
    ap.add_argument("--skip-scans", action="store_true")
    args = ap.parse_args()
    with fresh_database() as vendor:
        print(f"# mass testing on {vendor}, load {load_average()}", flush=True)
        world = _setup_world(args.population, args.members)
        from fangkong.people.models import Person

        person_ids = list(Person.objects.order_by("pk").values_list("pk", flat=True))
        rnd = bench_upload(args, world, person_ids)
        bench_coverage(rnd)
        bench_positive(world, person_ids)
        if not args.skip_scans:
            bench_scans(args, world, person_ids)


if __name__ == "__main__":
    main()
