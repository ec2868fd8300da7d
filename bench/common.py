"""Shared helpers for benchmarks: a fresh database, timing, the one report line, and the
HTTP benchmarks' server (gunicorn) and paced load child."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class Timing:
    wall: float  # seconds
    cpu: float  # seconds of this process's CPU (user + system)
    result: Any = None


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def timed(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Timing:
    c, t = cpu_seconds(), time.perf_counter()
    result = fn(*args, **kwargs)
    return Timing(time.perf_counter() - t, cpu_seconds() - c, result)


def median(values: list[float]) -> float:
    return statistics.median(values)


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


def load_average() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover
        return "?"


def report(name: str, ours: float, raw: float, unit: str = "s", target: str = "") -> str:
    ratio = ours / raw if raw else float("inf")
    line = f"{name:<48} {ours:>9.2f} {unit}   raw {raw:>8.2f} {unit}   ratio {ratio:5.2f}x"
    if target:
        line += f"   (target {target})"
    print(line, flush=True)
    return line


ROOT = Path(__file__).resolve().parent.parent
# Benchmarks never run against the caller's database or keys: FANGKONG_VAR_DIR (database,
# PII keys, uploads) and FANGKONG_SQLITE_PATH / DATABASE_URL's database are always the
# benchmark's own, whatever the environment says.
_CALLER_PATHS = ("FANGKONG_SQLITE_PATH", "FANGKONG_PII_KEY_FILE", "FANGKONG_PII_KEYS")


def _own_environment(var: Path | str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
    os.environ.setdefault("FANGKONG_LOG_LEVEL", "WARNING")
    os.environ["FANGKONG_VAR_DIR"] = str(var)
    for name in _CALLER_PATHS:
        os.environ.pop(name, None)


@contextlib.contextmanager
def fresh_database(db_options: dict[str, Any] | None = None) -> Iterator[str]:
    """Django set up on an empty, migrated database of its own: a temporary SQLite file, or
    a temporary database on the PostgreSQL server of DATABASE_URL; both deleted on the way
    out, with the temporary directory. ``db_options`` are merged into the database's
    OPTIONS (to measure a settings change). Yields the vendor."""
    var = tempfile.mkdtemp(prefix="fk-bench-")
    _own_environment(var)
    pg_url, pg_name = os.environ.get("DATABASE_URL"), None
    if pg_url:
        pg_name = f"fk_bench_{uuid.uuid4().hex[:8]}"
        _pg_admin(pg_url, f'CREATE DATABASE "{pg_name}"')
        os.environ["DATABASE_URL"] = _with_db(pg_url, pg_name)
    try:
        import django

        if db_options:
            from django.conf import settings

            settings.DATABASES["default"].setdefault("OPTIONS", {}).update(db_options)
        django.setup()
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        yield connection.vendor
    finally:
        from django.db import connections

        connections.close_all()
        if pg_url and pg_name:
            os.environ["DATABASE_URL"] = pg_url
            _pg_admin(pg_url, f'DROP DATABASE IF EXISTS "{pg_name}"')
        shutil.rmtree(var, ignore_errors=True)


def cached_database(name: str, db: str, sqlite_path: Path | None = None) -> str:
    """Django set up on a benchmark's own persistent database, kept between runs because it
    takes minutes to fill (the 850,000-person county): on SQLite ``var/bench/<name>/`` holds
    the database file and its PII keys; on PostgreSQL it is the database ``fk_bench_<name>``
    on DATABASE_URL's server (created when missing), never the database the URL names.
    ``sqlite_path`` names another SQLite file (a copy of it). Delete them all with
    ``python -m bench clean``. Returns the vendor."""
    var = ROOT / "var" / "bench" / name
    var.mkdir(parents=True, exist_ok=True)
    _own_environment(var)
    if db == "postgres":
        url = os.environ.get("DATABASE_URL")
        if not url:
            raise SystemExit("set DATABASE_URL for --db postgres (scripts/pg-test.sh url)")
        pg_name = f"fk_bench_{name}".replace("-", "_")
        import psycopg

        with psycopg.connect(_with_db(url, "postgres"), autocommit=True) as conn:
            if not conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [pg_name]
            ).fetchone():
                conn.execute(f'CREATE DATABASE "{pg_name}"')
        os.environ["DATABASE_URL"] = _with_db(url, pg_name)
    else:
        os.environ.pop("DATABASE_URL", None)
        if sqlite_path:
            os.environ["FANGKONG_SQLITE_PATH"] = str(sqlite_path)
    import django

    django.setup()
    from django.db import connection

    return connection.vendor


def _with_db(url: str, name: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _pg_admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(_with_db(url, "postgres"), autocommit=True) as conn:
        conn.execute(sql)


def free_port() -> int:
    """A free loopback port for a benchmark's server."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for_port(port: int, tries: int = 200) -> None:
    """Wait until a server listens on ``port`` (about 40 s at most)."""
    for _ in range(tries):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.2)


def children_cpu() -> float:
    """CPU seconds of this process's finished children (a load child once it has exited)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def tree_cpu(pid: int) -> float:
    """CPU seconds of a live process and its live children (Linux /proc), and of the
    children they have reaped (a database connection closed meanwhile still counts)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += sum(int(f) for f in fields[11:15]) / tick  # utime stime cutime cstime
            todo.extend(int(c) for c in Path(f"/proc/{p}/task/{p}/children").read_text().split())
        except (OSError, ValueError, IndexError):
            continue
    return total


def database_server_pid() -> int | None:
    """The PostgreSQL server's process on this machine (its backends are its children, so
    ``tree_cpu`` of it is the database's CPU), or None: SQLite (the database works inside
    the web process), a remote server, or no right to read its data directory."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    try:
        with connection.cursor() as cur:
            cur.execute("SHOW data_directory")
            data = Path(cur.fetchone()[0])
        pid = int((data / "postmaster.pid").read_text().split()[0])
        Path(f"/proc/{pid}/stat").read_text()
    except Exception:  # noqa: BLE001 - any failure only means no database CPU figure
        return None
    finally:
        connection.close()
    return pid


@contextlib.contextmanager
def gunicorn(
    workers: int, threads: int, *extra: str, env: dict[str, str] | None = None
) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """The server as deployed (gunicorn, gthread workers, keep-alive) on a free loopback
    port, on the benchmark's database; stopped (killed if it hangs) on the way out. The
    caller's database connections are closed first: the workers are forked. Yields the
    server process (for ``tree_cpu``) and its port."""
    from django.db import connections

    connections.close_all()
    port = free_port()
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "fangkong.wsgi", "-b", f"127.0.0.1:{port}",
         "--workers", str(workers), "--threads", str(threads), "--worker-class", "gthread",
         "--keep-alive", "30", "--log-level", "warning", *extra],
        env={**os.environ, "FANGKONG_LOG_LEVEL": "ERROR", **(env or {})}, cwd=ROOT,
    )  # fmt: skip
    try:
        wait_for_port(port)
        yield server, port
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def wait_until_idle(pid: int, quiet: float = 0.05, most: float = 60) -> float:
    """Wait until a server's process tree stops using CPU (its workers have booted: the
    port opens before they have imported the project); at most ``most`` seconds. Returns
    the seconds waited."""
    t0 = time.perf_counter()
    last = tree_cpu(pid)
    while time.perf_counter() - t0 < most:
        time.sleep(0.5)
        now = tree_cpu(pid)
        if now - last < quiet:
            break
        last = now
    return time.perf_counter() - t0


def run_load_child(module: str, config: dict[str, Any]) -> dict[str, Any]:
    """Runs ``python -m <module> --load-child`` (the module's ``load_child``, which ends with
    ``paced_clients``) on ``config`` and returns what it measured. A second process keeps the
    load's CPU out of this one and away from the server's GIL."""
    out = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", module, "--load-child"],
        input=json.dumps(config), capture_output=True, text=True, cwd=ROOT, check=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def post_plans(
    path: str, bodies: list[bytes], clients: int, headers: str = ""
) -> list[list[bytes]]:
    """JSON POSTs to ``path`` as raw HTTP/1.1 requests, dealt out to ``clients`` plans for
    ``paced_clients`` (body i goes to client i % clients). ``headers``: extra header lines,
    each ending in CRLF."""
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}Content-Type: application/json\r\n"
    return [
        [f"{head}Content-Length: {len(b)}\r\n\r\n".encode() + b for b in bodies[k::clients]]
        for k in range(clients)
    ]


def paced_clients(port: int, plans: list[list[bytes]], rate: float, ok: int = 201) -> dict:
    """An open loop: one keep-alive socket per plan (a list of raw HTTP requests, encoded
    before the clock starts), each request sent at its due time whatever the answers before
    it took, the clients interleaved, ``rate`` requests a second in all. Returns the count,
    the rate reached, the answers other than ``ok``, and the median and 99th-percentile
    latency in seconds."""
    lat: list[float] = []
    errors = [0]
    lock = threading.Lock()
    clients = len(plans)
    t_start = time.perf_counter() + 0.5

    def connect() -> socket.socket:
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return s

    def exchange(s: socket.socket, req: bytes) -> tuple[int, bool]:
        s.sendall(req)
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = s.recv(65536)
            if not chunk:
                raise OSError("closed")
            buf += chunk
        hdr, _sep, body = buf.partition(b"\r\n\r\n")
        lines = hdr.split(b"\r\n")
        length, close = 0, False
        for line in lines[1:]:
            low = line.lower()
            if low.startswith(b"content-length:"):
                length = int(line[15:])
            elif low.startswith(b"connection:") and b"close" in low:
                close = True
        while len(body) < length:
            chunk = s.recv(65536)
            if not chunk:
                raise OSError("closed")
            body += chunk
        return int(lines[0].split()[1]), close

    def client(k: int) -> None:
        s = connect()
        interval = clients / rate
        for j, req in enumerate(plans[k]):
            delay = t_start + j * interval + k * (interval / clients) - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            t = time.perf_counter()
            try:
                status, close = exchange(s, req)
                if close:  # the server closes after each answer (sync workers)
                    s.close()
                    s = connect()
            except OSError:
                status = 0
                s.close()
                s = connect()
            took = time.perf_counter() - t
            with lock:
                lat.append(took)
                errors[0] += status != ok
        s.close()

    ts = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    wall = time.perf_counter() - t_start
    lat.sort()
    n = len(lat)
    return {"n": n, "rate": n / wall if wall > 0 else 0.0, "errors": errors[0],
            "p50": lat[n // 2] if n else 0.0, "p99": lat[min(n - 1, int(n * 0.99))] if n else 0.0}  # fmt: skip
