"""Shared helpers for benchmarks: a fresh database, timing, and the one report line."""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import socket
import statistics
import tempfile
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
