"""Run the benchmarks.

python -m bench                      # list them
python -m bench demo --population N  # run bench/bench_demo.py with its own arguments
python -m bench all                  # run every benchmark with its defaults
python -m bench clean                # delete the populations kept between runs (var/bench/,
                                     # fk_bench_* databases on DATABASE_URL's server)
"""

from __future__ import annotations

import runpy
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def modules() -> dict[str, Path]:
    return {p.stem.removeprefix("bench_"): p for p in sorted(HERE.glob("bench_*.py"))}


def summary(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip().strip('"').strip()
        if line:
            return line
    return ""


def clean() -> int:
    """Delete what benchmarks keep between runs; each run deletes its own temporary files."""
    import os
    import shutil

    kept = HERE.parent / "var" / "bench"
    if kept.exists():
        shutil.rmtree(kept)
        print(f"deleted {kept}")
    url = os.environ.get("DATABASE_URL")
    if url:
        import psycopg

        from bench.common import _with_db

        with psycopg.connect(_with_db(url, "postgres"), autocommit=True) as conn:
            rows = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'fk_bench_%'")
            for (db,) in rows.fetchall():
                conn.execute(f'DROP DATABASE "{db}"')
                print(f"dropped database {db}")
    return 0


def main(argv: list[str]) -> int:
    found = modules()
    if not argv or argv[0] in {"-h", "--help", "list"}:
        print(__doc__.strip())
        print("\nbenchmarks:")
        for name, path in found.items():
            print(f"  {name:<10} {summary(path)}")
        return 0
    name, rest = argv[0], argv[1:]
    if name == "clean":
        return clean()
    if name == "all":
        # one process each: every benchmark sets up Django against its own database
        codes = [subprocess.call([sys.executable, "-m", "bench", n, *rest]) for n in found]
        return max(codes, default=0)
    if name not in found:
        print(f"no benchmark {name!r}; known: {', '.join(found)}", file=sys.stderr)
        return 2
    sys.argv = [str(found[name]), *rest]
    runpy.run_module(f"bench.bench_{name}", run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
