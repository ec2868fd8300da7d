"""Arrivals and checkpoints: a holiday return wave.

* pre-registrations through the public HTTP endpoint (``POST /api/v1/arrivals/
  preregistrations``, no account) against gunicorn on a temporary database, closed loop,
  each request a new person — target >= 200/s on SQLite; raw: the same rows inserted one
  transaction each;
* the township's and the county's ledger page at ``--ledger`` entries (full Django stack,
  test client) — target p95 < 150 ms; raw: the page's count and rows as bare SQL;
* an Excel export of ``--export`` arrivals (the ledger page's export) — target < 30 s;
  raw: the same rows selected bare;
* checkpoint batch uploads (the service: 50 vehicles of 4 persons a batch, half of the
  passengers going home, each becoming an arrival) — target >= 500 persons/s; raw: the
  check rows inserted bare.

Every figure prints its ratio to the raw database doing the same work. The database is a
temporary one (a temp var dir for SQLite, or a temporary database on DATABASE_URL's server)
deleted afterwards.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import random
import sys
import threading
import time
import uuid
from pathlib import Path

from bench.common import fresh_database, gunicorn, load_average, p95, report, wait_until_idle

ROOT = Path(__file__).resolve().parents[1]


def _ids(rng: random.Random, n: int) -> list[str]:
    from fangkong.people.synthetic import make_id_number

    out: set[str] = set()
    while len(out) < n:
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 25000))
        out.add(
            make_id_number(
                rng, birth, rng.random() < 0.5, rng.choice(("500242", "500101", "510105"))
            )
        )
    return sorted(out)


def _user(role: str, area, name: str):
    from fangkong.core.models import User, UserRole

    u = User.objects.create(username=name)
    UserRole.objects.create(user=u, role=role)
    u.areas.set([area])
    return u


def bench_prereg(args, villages, rng) -> None:
    from django.db import connection

    from fangkong.arrivals.models import Arrival

    n = args.prereg
    ids = _ids(rng, n)
    today = dt.date.today().isoformat()
    bodies = [json.dumps({
        "name": "王五", "id_number": i, "phone": f"138{k:08d}", "origin_province": "重庆市",
        "origin_city": "重庆市", "origin_county": "沙坪坝区", "travel_mode": "car",
        "plate": f"渝A{k % 100000:05d}", "arrival_date": today,
        "area_id": villages[k % len(villages)].pk, "address": f"幸福路{k}号",
        "test_result": "negative_48h",
    }).encode() for k, i in enumerate(ids)]  # fmt: skip
    lat: list[float] = []
    errors = [0]
    lock = threading.Lock()
    with gunicorn(args.web_workers, args.web_threads,
                  env={"FANGKONG_PREREGISTER_LIMIT": str(10**9)}) as (server, port):  # fmt: skip
        # the port opens before both workers have imported the project: wait for them, as
        # the home benchmark does, so their start is not counted against the endpoint
        wait_until_idle(server.pid)
        warm = http.client.HTTPConnection("127.0.0.1", port)
        warm.request("GET", "/baobei/")
        warm.getresponse().read()

        def worker(part: list[bytes]) -> None:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            for body in part:
                t = time.perf_counter()
                try:
                    c.request("POST", "/api/v1/arrivals/preregistrations", body,
                              {"Content-Type": "application/json"})  # fmt: skip
                    r = c.getresponse()
                    r.read()
                    ok = r.status == 201
                except (OSError, http.client.HTTPException):
                    ok = False
                    c.close()
                    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                with lock:
                    lat.append(time.perf_counter() - t)
                    errors[0] += not ok
            c.close()

        threads = [
            threading.Thread(target=worker, args=(bodies[k :: args.clients],))
            for k in range(args.clients)
        ]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
    stored = Arrival.objects.count()
    rate = n / wall
    # raw: the same number of rows, one INSERT and one commit each (as each request commits)
    cols = ("reference", "source", "status", "name", "doc_type", "id_number", "id_number_index", "phone",
            "origin_province", "origin_city", "origin_county", "origin_street", "travelled", "risk",
            "measure", "travel_mode", "travel_number", "plate", "arrival_date", "address", "area_id",
            "test_result", "code_colour", "ack_due_at", "visited", "at_address", "notes",
            "created_at", "updated_at")  # fmt: skip
    now = dt.datetime.now(dt.UTC)
    sql = (
        f"INSERT INTO arrivals_arrival ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})"
    )
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        for k in range(n):
            cur.execute(sql, (f"RAW{k:07d}", "preregistration", "acknowledged", "王五", "resident_id",
                              "x" * 80, uuid.uuid4().hex, "y" * 60, "重庆市", "重庆市", "沙坪坝区", "", "",
                              "high", "left_high_risk_area", "car", "", "渝A00000", now.date(), "路",
                              villages[0].pk, "none", "green", now, False, False, "", now, now))  # fmt: skip
    raw_rate = n / (time.perf_counter() - t0)
    with connection.cursor() as cur:
        cur.execute("DELETE FROM arrivals_arrival WHERE reference LIKE 'RAW%%'")
    print(f"pre-registrations over HTTP ({args.web_workers}x{args.web_threads} gunicorn, {args.clients} clients): "
          f"{rate:.0f}/s, p95 {p95(lat) * 1000:.0f} ms, errors {errors[0]}/{n}, stored {stored}   "
          f"raw insert {raw_rate:.0f}/s   ratio {raw_rate / rate:.1f}x   (target >= 200/s)", flush=True)  # fmt: skip


def _fill_ledger(total: int, villages, rng) -> None:
    """``total`` arrivals spread over the villages, half from high-risk areas."""
    from django.utils import timezone

    from fangkong.arrivals.choices import ArrivalStatus
    from fangkong.arrivals.models import Arrival
    from fangkong.arrivals.services.arrivals import new_reference

    now = timezone.now()
    today = timezone.localdate()
    batch = []
    for k, number in enumerate(_ids(rng, total)):
        high = k % 2 == 0
        batch.append(Arrival(
            reference=new_reference() + f"{k}"[-2:], source="preregistration",
            status=ArrivalStatus.PENDING if k % 3 else ArrivalStatus.ACKNOWLEDGED,
            name="王五", id_number=number, phone=f"138{k:08d}", origin_province="重庆市",
            origin_city="重庆市", origin_county="沙坪坝区", risk="high" if high else "low",
            measure="left_high_risk_area" if high else "low_risk_area_arrival",
            arrival_date=today - dt.timedelta(days=k % 20), area=villages[k % len(villages)],
            address=f"幸福路{k}号", ack_due_at=now + dt.timedelta(hours=k % 48 - 24),
        ))  # fmt: skip
        if len(batch) == 5000:
            Arrival.objects.bulk_create(batch)
            batch = []
    Arrival.objects.bulk_create(batch)


def bench_ledger(args, villages, county, rng) -> None:
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from fangkong.areas.models import Area
    from fangkong.arrivals.models import Arrival

    Arrival.objects.all().delete()  # the other benchmarks' arrivals: a ledger of its own
    t0 = time.perf_counter()
    _fill_ledger(args.ledger, villages, rng)
    print(
        f"ledger filled: {Arrival.objects.count()} arrivals in {time.perf_counter() - t0:.0f} s",
        flush=True,
    )
    settings.ALLOWED_HOSTS = ["*"]
    town = Area.objects.filter(depth=2).order_by("path").first()
    for who, area in (("township", town), ("county", county)):
        user = _user(
            "township_officer" if who == "township" else "county_command", area, f"bench_{who}"
        )
        c = Client()
        c.force_login(user)
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            r = c.get("/arrivals/")
            times.append(time.perf_counter() - t)
            assert r.status_code == 200
        raw = []
        path = area.path
        for _ in range(args.repeat):
            t = time.perf_counter()
            with connection.cursor() as cur:
                cur.execute("SELECT COUNT(*) FROM arrivals_arrival a JOIN areas_area r ON r.id = a.area_id "
                            "WHERE r.path LIKE %s", [path + "%"])  # fmt: skip
                cur.fetchone()
                cur.execute("SELECT a.* FROM arrivals_arrival a JOIN areas_area r ON r.id = a.area_id "
                            "WHERE r.path LIKE %s ORDER BY a.arrival_date DESC LIMIT 50", [path + "%"])  # fmt: skip
                cur.fetchall()
            raw.append(time.perf_counter() - t)
        report(f"ledger page p95, {who} ({args.ledger} entries)", p95(times) * 1000, p95(raw) * 1000, "ms",
               "p95 < 150 ms")  # fmt: skip
        if who == "county":
            n = Arrival.objects.filter(risk="high").count()
            t = time.perf_counter()
            r = c.get("/arrivals/", {"risk": "high", "export": "xlsx"})
            body = b"".join(r.streaming_content) if r.streaming else r.content
            took = time.perf_counter() - t
            t = time.perf_counter()
            with connection.cursor() as cur:
                cur.execute(
                    "SELECT * FROM arrivals_arrival WHERE risk = 'high' ORDER BY arrival_date DESC"
                )
                cur.fetchall()
            report(f"Excel export, {n} arrivals ({len(body) // 1024} KB)", took, time.perf_counter() - t, "s",
                   "< 30 s")  # fmt: skip


def bench_checkpoint(args, villages, county, rng) -> None:
    from django.db import connection
    from django.utils import timezone

    from fangkong.areas.models import Area
    from fangkong.checkpoints import services
    from fangkong.checkpoints.models import PersonCheck

    boss = _user("county_command", county, "bench_cp")
    cp = services.create_checkpoint(services.CheckpointData(name="G65", area=Area.objects.get(path=villages[0].path[: 2 * Area.steplen]),
                                                            location="出口"), by=boss)  # fmt: skip
    per = args.vehicles * 4
    ids = iter(_ids(rng, per * args.batches))
    batches = []
    for _b in range(args.batches):
        vehicles = []
        for v in range(args.vehicles):
            persons = []
            for p in range(4):
                home = p > 0 and p % 2 == 1
                persons.append({
                    "client_uuid": str(uuid.uuid4()), "name": "乘客", "id_number": next(ids),
                    "phone": "13800138000", "driver": p == 0, "origin_province": "重庆市",
                    "origin_city": "重庆市", "origin_county": "沙坪坝区", "code_colour": "green",
                    "test_48h": p % 3 != 2, "temperature": "36.6",
                    "destination_area_id": villages[(v + p) % len(villages)].pk if home else None,
                    "address": "幸福路1号" if home else "",
                })  # fmt: skip
            vehicles.append({"client_uuid": str(uuid.uuid4()), "checked_at": timezone.now().isoformat(),
                             "plate": f"渝A{v:05d}", "kind": "coach", "persons": persons})  # fmt: skip
        batches.append(vehicles)
    t0 = time.perf_counter()
    for vehicles in batches:
        services.upload_batch(cp, vehicles=vehicles, by=boss)
    wall = time.perf_counter() - t0
    n = PersonCheck.objects.count()
    t0 = time.perf_counter()
    now = timezone.now()
    with connection.cursor() as cur:
        for _b in range(args.batches):
            with connection.cursor():
                rows = [(cp.pk, uuid.uuid4().hex, now, "乘客", "resident_id", "x" * 80, uuid.uuid4().hex, "y" * 60,
                         False, "重庆市", "none", "green", True, False, 36.6, "pass", "default")
                        for _ in range(per)]  # fmt: skip
                cur.execute("INSERT INTO checkpoints_vehiclecheck (checkpoint_id, client_uuid, checked_at, "
                            "recorded_at, plate, tractor_plate, kind, freight, persons) VALUES "
                            "(%s, %s, %s, %s, 'x', '', 'coach', false, 4)", [cp.pk, uuid.uuid4().hex, now, now])  # fmt: skip
                cur.execute("SELECT MAX(id) FROM checkpoints_vehiclecheck")
                vid = cur.fetchone()[0]
                cur.executemany(
                    "INSERT INTO checkpoints_personcheck (checkpoint_id, client_uuid, checked_at, name, doc_type, "
                    "id_number, id_number_index, phone, driver, origin, risk, code_colour, test_48h, "
                    "itinerary_star, temperature, outcome, rule, vehicle_id) VALUES "
                    "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, " + str(vid) + ")",
                    rows,
                )  # fmt: skip
    raw = time.perf_counter() - t0
    report(f"checkpoint batches, {n} persons ({args.vehicles} vehicles x 4 a batch)", n / wall,
           per * args.batches / raw, "/s", ">= 500 persons/s")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--prereg", type=int, default=3000, help="pre-registrations over HTTP")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--web-workers", type=int, default=2)
    ap.add_argument("--web-threads", type=int, default=4)
    ap.add_argument(
        "--ledger", type=int, default=200_000, help="ledger entries for the page and export"
    )
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--vehicles", type=int, default=50)
    ap.add_argument("--batches", type=int, default=20)
    ap.add_argument("--only", choices=("prereg", "ledger", "checkpoint"), default=None)
    args = ap.parse_args()
    print(f"load average: {load_average()}", flush=True)
    with fresh_database() as vendor:
        from fangkong.areas.models import Area
        from fangkong.core import pii
        from fangkong.people.synthetic import ensure_villages

        pii.keyring()  # written to the temp var dir before the server starts: one keyring
        villages = ensure_villages()
        county = Area.objects.get(depth=1)
        print(f"database: {vendor}, {len(villages)} villages", flush=True)
        rng = random.Random(7)
        if args.only in (None, "prereg"):
            bench_prereg(args, villages, rng)
        if args.only in (None, "checkpoint"):
            bench_checkpoint(args, villages, county, rng)
        if args.only in (None, "ledger"):
            bench_ledger(args, villages, county, rng)
    print(f"load average: {load_average()}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
