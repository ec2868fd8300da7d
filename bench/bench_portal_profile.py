"""One portal health report, end to end in this process: the WSGI application (every
middleware, django-ninja, the service) driven by hand-made WSGI requests, no server and no
network; CPU per report, and with ``--profile`` where it goes (cProfile, by cumulative and
by own time). The figure to set beside the HTTP benchmark's server CPU per report.
``--http``: the same reports through gunicorn as ``bench home`` runs it (paced clients in a
second process, ``--rate`` a second), the server's CPU counted only once its workers have
booted and served (the home benchmark's figure includes their start); with ``--profile``
every thread of each worker is profiled (bench/portal_gunicorn_profile.py).

    python -m bench portal_profile [--population 20000] [--home 5000] [--requests 3000]
        [--profile] [--top 40] [--http [--rate 300] [--web-workers 2] [--web-threads 4]]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import random
import sys
import time

from bench.common import cpu_seconds, fresh_database, load_average


def _environ(body: bytes) -> dict:
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/api/v1/home-isolation/portal/reports",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }


def drive(app, tokens: list[str]) -> dict[int, int]:
    """One report per token through the WSGI application; the count of each status."""
    statuses: dict[int, int] = {}

    def start_response(status, headers, exc_info=None):
        code = int(status.split()[0])
        statuses[code] = statuses.get(code, 0) + 1

    for tok in tokens:
        body = json.dumps({"token": tok, "temperature": "36.6", "symptoms": []}).encode()
        result = app(_environ(body), start_response)
        b"".join(result)
        if hasattr(result, "close"):
            result.close()
    return statuses


def over_http(args, tokens: list[str], warm: list[str]) -> None:
    """The reports through gunicorn: CPU per report of the server once warm."""
    import tempfile
    from pathlib import Path

    from bench.common import gunicorn, run_load_child, tree_cpu, wait_until_idle

    prof_dir = tempfile.mkdtemp(prefix="fk-portal-prof-")
    extra = ("-c", "python:bench.portal_gunicorn_profile") if args.profile else ()
    env = {"FK_PROFILE_DIR": prof_dir, "FK_CPROFILE": "1" if args.cprofile else ""}
    with gunicorn(args.web_workers, args.web_threads, *extra, env=env) as (server, port):
        # every worker boots, loads the URLconf and serves a few before the count starts
        wait_until_idle(server.pid)
        run_load_child("bench.bench_home", {"port": port, "tokens": warm, "rate": 100,
                                            "threads": args.threads})  # fmt: skip
        time.sleep(1)
        i0, t0 = tree_cpu(server.pid), time.perf_counter()
        time.sleep(2)
        idle = (tree_cpu(server.pid) - i0) / (time.perf_counter() - t0)
        s0 = tree_cpu(server.pid)
        res = run_load_child("bench.bench_home", {"port": port, "tokens": tokens,
                                                  "rate": args.rate, "threads": args.threads})  # fmt: skip
        s1 = tree_cpu(server.pid)
    print(f"HTTP {args.web_workers}x{args.web_threads}: {res['rate']:.0f}/s of {args.rate:.0f} "
          f"offered, p50 {res['p50'] * 1000:.1f} ms, p99 {res['p99'] * 1000:.1f} ms, errors "
          f"{res['errors']}/{res['n']}; server CPU {(s1 - s0) / res['n'] * 1000:.2f} ms a report "
          f"(idle server: {idle * 1000:.0f} ms CPU a second); load average {load_average()}",
          flush=True)  # fmt: skip
    if args.profile:
        split = [json.loads(f.read_text()) for f in Path(prof_dir).glob("*.json")]
        n, app, proc = (sum(x[k] for x in split) for k in ("n", "app_cpu", "process_cpu"))
        print(f"workers from their first request ({n} requests, warm-up included): "
              f"{proc / max(n, 1) * 1000:.2f} ms CPU a request, of which "
              f"{app / max(n, 1) * 1000:.2f} ms inside Django and "
              f"{(proc - app) / max(n, 1) * 1000:.2f} ms in gunicorn", flush=True)  # fmt: skip
        files = sorted(Path(prof_dir).glob("*.prof"))
        if files:
            stats = pstats.Stats(*[str(f) for f in files])
            for order in ("cumulative", "tottime"):
                stats.sort_stats(order).print_stats(args.top)
    import shutil

    shutil.rmtree(prof_dir, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--population", type=int, default=20_000)
    ap.add_argument("--home", type=int, default=5_000)
    ap.add_argument("--requests", type=int, default=3_000)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--http", action="store_true", help="through gunicorn, as bench home")
    ap.add_argument("--cprofile", action="store_true", help="--http --profile: and cProfile")
    ap.add_argument("--rate", type=float, default=300)
    ap.add_argument("--threads", type=int, default=16, help="load clients (--http)")
    ap.add_argument("--web-workers", type=int, default=2)
    ap.add_argument("--web-threads", type=int, default=4)
    args = ap.parse_args()
    random.seed(1)
    with fresh_database() as vendor:
        from bench.bench_home import _setup

        print(f"portal report in-process on {vendor}, load average {load_average()}", flush=True)
        _boss, _rows, tokens = _setup(args.population, args.home)
        n = min(args.requests, len(tokens) - 200)
        if args.http:
            over_http(args, tokens[:n], tokens[-200:])
            return
        from django.db import connections

        connections.close_all()
        import fangkong.wsgi

        app = fangkong.wsgi.application
        drive(app, tokens[-200:])  # warm: first requests load the URLconf, schemas, catalogues
        chosen = tokens[:n]
        c0 = cpu_seconds()
        # CPU time, not wall: the box is shared
        prof = cProfile.Profile(time.process_time) if args.profile else None
        if prof:
            prof.enable()
        statuses = drive(app, chosen)
        if prof:
            prof.disable()
        cpu = cpu_seconds() - c0
        print(f"{n} reports: statuses {statuses}; {cpu / n * 1000:.2f} ms CPU a report"
              f"{' (under the profiler)' if prof else ''}; load average {load_average()}",
              flush=True)  # fmt: skip
        if prof:
            for order in ("cumulative", "tottime"):
                out = io.StringIO()
                pstats.Stats(prof, stream=out).sort_stats(order).print_stats(args.top)
                print(out.getvalue(), flush=True)


if __name__ == "__main__":
    main()
