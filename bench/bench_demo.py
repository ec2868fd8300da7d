"""Synthetic county build (`fangkong demo`) against the raw database inserting the same rows.

    python -m bench demo [--population 850000] [--seed 1]

SQLite by default (a fresh temporary file); PostgreSQL when DATABASE_URL is set (a fresh
temporary database on that server). The figure is the time of ``populate()``: the grid,
its leaders and coordinators, and every household and person, generated, encrypted and
written. The baseline then deletes the household, person and key-category rows and inserts
exactly the same rows again in one transaction, in the same process: ``executemany`` on
SQLite, ``COPY`` on PostgreSQL (the fastest raw path of each; the build uses the same).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import fresh_database, load_average, median, report, timed  # noqa: E402


def raw_reinsert(models: list) -> tuple[float, int]:
    """Read every row of the tables, delete them, and time inserting them back raw."""
    from django.db import connection, transaction

    saved = []
    with connection.cursor() as cur:
        for model in models:
            table = model._meta.db_table
            cols = [f.column for f in model._meta.concrete_fields]
            qn = connection.ops.quote_name
            cur.execute(f"SELECT {', '.join(qn(c) for c in cols)} FROM {qn(table)}")  # noqa: S608
            saved.append((table, cols, cur.fetchall()))
        for table, _cols, _rows in reversed(saved):
            cur.execute(f"DELETE FROM {connection.ops.quote_name(table)}")  # noqa: S608
    total = sum(len(rows) for _t, _c, rows in saved)

    def insert() -> None:
        with transaction.atomic(), connection.cursor() as cur:
            for table, cols, rows in saved:
                qn = connection.ops.quote_name
                if connection.vendor == "postgresql":  # the fastest raw path there: COPY
                    names = ", ".join(qn(c) for c in cols)
                    with cur.copy(f"COPY {qn(table)} ({names}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                    continue
                sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
                    qn(table), ", ".join(qn(c) for c in cols), ", ".join(["%s"] * len(cols))
                )
                for i in range(0, len(rows), 5000):
                    cur.executemany(sql, rows[i : i + 5000])

    return timed(insert).wall, total


class _Viewer:
    """A signed-in user whose area is ``path`` (what the selectors read of a user)."""

    is_authenticated = True
    is_active = True

    def __init__(self, path: str):
        self.area_paths = (path,)


def area_reads(repeat: int) -> None:
    """The tree page's counts and the chain selector, against raw SQL doing the same."""
    from django.db import connection

    from fangkong.areas.models import Area
    from fangkong.areas.selectors import children_with_counts, responsibility_chain
    from fangkong.people.models import Household

    county = Area.objects.get(depth=1)
    town = Area.objects.get(code="500242002")
    viewer = _Viewer(county.path)

    def raw_counts(prefix: str) -> None:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT a.path, COUNT(*) FROM people_person p JOIN areas_area a ON a.id = p.area_id"
                " WHERE a.path LIKE %s GROUP BY a.path",
                [prefix + "%"],
            )
            cur.fetchall()

    for label, node in (("county (39 townships)", county), ("钟多街道 (its villages)", town)):
        ours = [timed(children_with_counts, viewer, node).wall for _ in range(repeat)]
        raw = [timed(raw_counts, node.path).wall for _ in range(repeat)]
        report(f"tree counts, children of {label}", median(ours) * 1000, median(raw) * 1000, "ms")
    hh = Household.objects.filter(floor__isnull=False).select_related("area").first()
    paths = hh.area.ancestor_paths()

    def raw_chain() -> None:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT r.* FROM areas_responsibility r JOIN areas_area a ON a.id = r.area_id"
                " WHERE a.path IN (" + ", ".join(["%s"] * len(paths)) + ") AND r.ended_on IS NULL",
                paths,
            )
            cur.fetchall()

    ours = [timed(responsibility_chain, hh.area, hh.floor).wall for _ in range(repeat)]
    raw = [timed(raw_chain).wall for _ in range(repeat)]
    report("responsibility chain of a flat (floor → county)", median(ours) * 1000,
           median(raw) * 1000, "ms")  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--population", type=int, default=850_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=20, help="runs of each read figure")
    args = parser.parse_args(argv)
    with fresh_database() as vendor:
        from fangkong.areas.models import Area, Responsibility
        from fangkong.people.models import Household, Person
        from fangkong.people.synthetic import populate

        print(f"demo build, {args.population:,} persons, {vendor}, load {load_average()}")
        t = timed(populate, args.population, seed=args.seed)
        counts = (
            f"{Area.objects.count():,} areas, {Responsibility.objects.count():,} assignments, "
            f"{Household.objects.count():,} households, {t.result:,} persons"
        )
        print(f"  built {counts}; {t.wall:.1f} s wall, {t.cpu:.1f} s CPU")
        area_reads(args.repeat)
        raw, rows = raw_reinsert([Household, Person, Person.categories.through])
        print(f"  raw insert of the same {rows:,} rows: {raw:.1f} s")
        report(
            f"demo --population {args.population} ({vendor})",
            t.wall,
            raw,
            target="< 180 s" if vendor == "sqlite" else "",
        )


if __name__ == "__main__":
    main()
