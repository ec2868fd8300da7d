"""Area tree picker at county scale: the first level, each expansion and a search, through
the whole HTTP stack (session, middleware, Ninja), against the raw SQL doing the same read.

    python -m bench picker [--population 850000] [--db sqlite|postgres] [--repeat 50]
        [--sqlite-path FILE]

It reuses the people benchmark's population (bench/bench_people.py: its own database, built
once, never the caller's). Target: the first level and each expansion under 100 ms.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_people import _setup, ensure_population, ms, p95, timed  # noqa: E402
from bench.common import load_average  # noqa: E402

CHILDREN_SQL = (
    "SELECT id, code, name, kind, depth, numchild, path FROM areas_area"
    " WHERE path LIKE %s AND depth = %s ORDER BY code"
)
SEARCH_SQL = (
    "SELECT id, path, name, kind, depth, numchild FROM areas_area WHERE path LIKE %s AND"
    " (name LIKE %s OR name_pinyin LIKE %s OR name_initials LIKE %s) ORDER BY depth, path LIMIT 50"
)


def user_of(username: str, role: str, area):
    from fangkong.core.models import User, UserRole

    user, _ = User.objects.get_or_create(username=username)
    UserRole.objects.get_or_create(user=user, role=role)
    user.areas.set([area])
    return User.objects.get(pk=user.pk)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--population", type=int, default=850_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--sqlite-path", type=Path, default=None)
    args = parser.parse_args(argv)
    _setup(args)
    ensure_population(args.population)

    from django.db import connection
    from django.test import Client

    from fangkong.areas.models import Area
    from fangkong.areas.selectors import picker_children, search_areas

    county = Area.objects.get(depth=1)
    town = Area.objects.get(code="500242002")  # 钟多街道, the county town
    community = Area.objects.filter(path__startswith=town.path, depth=3, numchild__gt=0).first()
    estate = Area.objects.filter(path__startswith=community.path, depth=4, numchild__gt=0).first()
    viewer = user_of("bench_picker_county", "county_command", county)
    officer = user_of("bench_picker_town", "township_officer", town)
    print(
        f"area picker, {Area.objects.count():,} areas, {connection.vendor}, "
        f"load {load_average()}, median of {args.repeat} (p95 in brackets)"
    )

    def raw_children(node) -> None:
        with connection.cursor() as cur:
            cur.execute(CHILDREN_SQL, [node.path + "%", node.depth + 1])
            cur.fetchall()

    def raw_roots(user) -> None:
        with connection.cursor() as cur:
            placeholders = ", ".join(["%s"] * len(user.area_paths))
            cur.execute(
                f"SELECT id, code, name, kind, depth, numchild, path FROM areas_area"  # noqa: S608
                f" WHERE path IN ({placeholders}) ORDER BY code",
                list(user.area_paths),
            )
            cur.fetchall()

    def raw_search(user, text: str) -> None:
        with connection.cursor() as cur:
            cur.execute(SEARCH_SQL, [user.area_paths[0] + "%", f"%{text}%", f"{text}%", f"{text}%"])
            cur.fetchall()

    def line(name: str, ours: list[float], raw: list[float], target: str = "< 100 ms") -> None:
        a, b = sorted(ours)[len(ours) // 2], sorted(raw)[len(raw) // 2]
        print(
            f"  {name:<46} {ms(a):>7.2f} ms ({ms(p95(ours)):.2f})   raw {ms(b):>6.2f} ms"
            f"   ratio {a / b if b else float('inf'):5.1f}x   {target}"
        )

    cases = [
        ("first level, county command", viewer, None),
        ("first level, township officer", officer, None),
        ("expand the county (39 townships)", viewer, county),
        (f"expand {town.name} (its villages)", officer, town),
        (f"expand {community.name} (its estates)", officer, community),
        (f"expand {estate.name} (its buildings)", officer, estate),
    ]
    print("endpoint GET /api/v1/areas/picker (whole stack) and the selector alone:")
    for label, user, node in cases:
        client = Client()
        client.force_login(user)
        url = "/api/v1/areas/picker" + (f"?parent={node.pk}" if node else "")
        assert client.get(url).status_code == 200
        ours = timed(lambda c=client, u=url: c.get(u), args.repeat)
        sel = timed(lambda u=user, n=node: picker_children(u, n), args.repeat)
        raw = timed(
            (lambda n=node: raw_children(n)) if node else (lambda u=user: raw_roots(u)),
            args.repeat,
        )
        line(label, ours, raw)
        line("  … selector alone", sel, raw, "")
    print("endpoint GET /api/v1/areas/picker/search:")
    for label, user, text in (
        ("四组 (270 of them), county command", viewer, "四组"),
        ("sz (initials), county command", viewer, "sz"),
        ("zhongduo (pinyin), township officer", officer, "zhongduo"),
        ("桃 (part of a name), township officer", officer, "桃"),
    ):
        client = Client()
        client.force_login(user)
        assert client.get("/api/v1/areas/picker/search", {"q": text}).status_code == 200
        ours = timed(
            lambda c=client, t=text: c.get("/api/v1/areas/picker/search", {"q": t}), args.repeat
        )
        sel = timed(lambda u=user, t=text: search_areas(u, t), args.repeat)
        raw = timed(lambda u=user, t=text: raw_search(u, t), args.repeat)
        line(label, ours, raw, "")
        line("  … selector alone", sel, raw, "")


if __name__ == "__main__":
    main()
