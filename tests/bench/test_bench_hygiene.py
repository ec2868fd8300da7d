"""Benchmarks mind their manners: whatever the caller's environment names, a benchmark runs on
a database and keys of its own and leaves nothing behind in the temporary directory (one run
once loaded 850,000 persons into a developer's database under a new key, another left 640 MB
in /tmp)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import os
from bench.common import fresh_database
with fresh_database() as vendor:
    from django.conf import settings
    from fangkong.people.models import Person
    print("var", settings.VAR_DIR)
    print("db", settings.DATABASES["default"]["NAME"])
    assert Person.objects.count() == 0
"""


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="once, in the SQLite run")
def test_a_benchmark_database_is_its_own_and_is_deleted_afterwards(tmp_path):
    caller = tmp_path / "caller-var"
    caller.mkdir()
    (caller / "fangkong.sqlite3").write_bytes(b"the developer's data")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {
        **os.environ,
        "FANGKONG_VAR_DIR": str(caller),
        "FANGKONG_SQLITE_PATH": str(caller / "fangkong.sqlite3"),
        "FANGKONG_PII_KEY_FILE": str(caller / "pii_keys.json"),
        "TMPDIR": str(tmp),
    }
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    out = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    lines = dict(line.split(" ", 1) for line in out.stdout.splitlines())
    assert lines["var"].startswith(str(tmp))  # the benchmark's own directory...
    assert lines["db"].startswith(str(tmp))  # ...and database file
    # the caller's files are as they were: no keys written, the database untouched
    assert sorted(p.name for p in caller.iterdir()) == ["fangkong.sqlite3"]
    assert (caller / "fangkong.sqlite3").read_bytes() == b"the developer's data"
    assert list(tmp.iterdir()) == []  # nothing left behind
