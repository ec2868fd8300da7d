"""Shared helpers for benchmarks: a fresh database, timing, and the one report line."""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
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


@contextlib.contextmanager
def fresh_database() -> Iterator[str]:
    """Django set up on an empty, migrated database of its own: a temporary SQLite file, or
    a temporary database on the PostgreSQL server of DATABASE_URL. Yields the vendor."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
    os.environ.setdefault("FANGKONG_LOG_LEVEL", "WARNING")
    var = tempfile.mkdtemp(prefix="fk-bench-")
    os.environ["FANGKONG_VAR_DIR"] = var
    os.environ.pop("FANGKONG_SQLITE_PATH", None)
    pg_url, pg_name = os.environ.get("DATABASE_URL"), None
    if pg_url:
        pg_name = f"fk_bench_{uuid.uuid4().hex[:8]}"
        _pg_admin(pg_url, f'CREATE DATABASE "{pg_name}"')
        os.environ["DATABASE_URL"] = _with_db(pg_url, pg_name)
    try:
        import django

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


def _with_db(url: str, name: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _pg_admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(_with_db(url, "postgres"), autocommit=True) as conn:
        conn.execute(sql)
