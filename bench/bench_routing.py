"""Routing quality: the planner's routing core on standard CVRP instances, gap to the best known.

The instances are not committed. They are read at benchmark time from a directory
(``--instances DIR``) or, by default, from PyVRP's own source distribution, which ships
``E-n22-k4`` and ``X-n101-50-k13`` in its test data: ``pip download --no-binary :all:
--no-deps pyvrp==<installed>`` into a temporary directory (needs the registry; building
its metadata needs ``poetry-core``, which the script installs into a throw-away venv).
Distances are Euclidean, rounded to the nearest integer (the X convention).

The best known solution of an instance is taken, first found first: ``--bks NAME=VALUE``;
a ``NAME.sol`` beside the instance (its ``Cost`` line); the instance's ``COMMENT`` when it
states one ("Optimal value: 27591"); the table below (published values, CVRPLIB). An
instance with none is solved and its cost printed without a gap.

Targets (issue 15): within 2 % at n <= 100 clients in 10 s (``--seconds``); larger
instances, e.g. an X instance of about 200 clients, within 5 % in 60 s (``--seconds-large``).
Each line prints the wall time, this process's CPU time over it (the solver is
single-threaded and stops on wall time, so on a busy box it gets less CPU than the limit
suggests) and the load average.

    python -m bench routing [--instances DIR] [--bks NAME=VALUE ...] [--seconds 10]
"""

from __future__ import annotations

import argparse
import math
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# published best known (CVRPLIB): name -> cost. (PyVRP's "X-n101-50-k13" is a VRPB
# instance with backhauls, not a CVRP: left out.)
BKS = {"E-n22-k4": 375, "X-n101-k25": 27591, "X-n125-k30": 55539, "X-n195-k51": 44225,
       "X-n200-k36": 58578, "X-n204-k19": 19565, "X-n209-k16": 30656, "X-n214-k11": 10856,
       "X-n280-k17": 33503}  # fmt: skip
SMALL = 100  # clients: up to this, --seconds and the 2 % target; beyond, --seconds-large and 5 %
# Solomon's VRPTW RC208 (100 clients), best known 776.1, shipped with its .sol by PyVRP
VRPTW_BKS = {"RC208": 776.1}


def fetch_pyvrp_instances(target: Path) -> list[Path]:
    from importlib.metadata import version

    venv = target / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = str(venv / "bin" / "pip")
    subprocess.run([pip, "install", "-q", "poetry-core"], check=True)
    subprocess.run(
        [pip, "download", "-q", "--no-binary", ":all:", "--no-deps", "--no-build-isolation",
         f"pyvrp=={version('pyvrp')}", "-d", str(target)],
        check=True,
    )  # fmt: skip
    (sdist,) = target.glob("pyvrp-*.tar.gz")
    out = []
    with tarfile.open(sdist) as tar:
        for member in tar.getmembers():
            name = Path(member.name).name
            if (Path(name).stem in BKS or Path(name).stem in VRPTW_BKS) and member.isfile():
                member.name = name
                tar.extract(member, target, filter="data")
                out.append(target / name)
    return sorted(out)


def best_known(path: Path, given: dict[str, float]) -> tuple[float, str] | None:
    """(value, where it came from) of ``path``'s best known solution, or None."""
    import vrplib

    if path.stem in given:
        return given[path.stem], "--bks"
    sol = path.with_suffix(".sol")
    if sol.exists():
        cost = vrplib.read_solution(str(sol)).get("cost")
        if cost is not None:
            return float(cost), sol.name
    comment = str(vrplib.read_instance(str(path), compute_edge_weights=False).get("comment", ""))
    found = re.search(r"(?:optimal|best known)\s*(?:value|solution)?\s*[:=]\s*(\d+(?:\.\d+)?)",
                      comment, re.IGNORECASE)  # fmt: skip
    if found:
        return float(found.group(1)), "comment"
    if path.stem in BKS:
        return float(BKS[path.stem]), "table"
    return None


def solve(path: Path, seconds: float) -> tuple[int, int, float, float]:
    """(cost, routes, wall seconds, CPU seconds) of the planner's routing core on one
    instance, the solution checked here (every client once, capacities)."""
    import vrplib

    from fangkong.transfers.geo import Point
    from fangkong.transfers.planner import routing
    from fangkong.transfers.planner.model import Params, Problem, Req, Vehicle

    inst = vrplib.read_instance(str(path), compute_edge_weights=False)
    coords = inst["node_coord"]
    n = len(coords)
    dist = [[round(math.dist(coords[i], coords[j])) for j in range(n)] for i in range(n)]
    cap = int(inst["capacity"])
    demands = [int(d) for d in inst["demand"]]
    reqs = [Req(i, "cvrp", demands[i], i, 10**9) for i in range(1, n)]
    params = Params(disinfect_s=0, board_s=0, unload_s=0, max_trip_s=10**9, seconds=seconds)
    fleet = [Vehicle(v, cap, False, 0, 0, 10**9) for v in range(n)]
    problem = Problem([Point(0, 0)] * n, dist, reqs, [], [], [], fleet, params=params)
    group = routing.Group("site", 0, 0, False, reqs)
    began, cpu = time.perf_counter(), time.process_time()
    routes, missing = routing.solve_group(problem, group, seconds)
    took, cpu = time.perf_counter() - began, time.process_time() - cpu
    assert not missing, missing
    seen = sorted(r for route in routes for r in route)
    assert seen == list(range(1, n)), "every client exactly once"
    cost = 0
    for route in routes:
        assert sum(demands[r] for r in route) <= cap, "capacity"
        stops = [0, *route, 0]
        cost += sum(dist[a][b] for a, b in zip(stops, stops[1:], strict=False))
    return cost, len(routes), took, cpu


def vrptw(path: Path, seconds: float) -> None:
    """A VRPTW instance solved by the engine the routing core calls (PyVRP), as read by
    PyVRP (DIMACS convention: distances ×10, truncated)."""
    import pyvrp
    from pyvrp.stop import MaxRuntime

    data = pyvrp.read(str(path), round_func="dimacs")
    began = time.perf_counter()
    res = pyvrp.Model.from_data(data).solve(MaxRuntime(seconds), seed=1, display=False)
    took = time.perf_counter() - began
    cost = res.cost() / 10
    gap = 100.0 * (cost - VRPTW_BKS[path.stem]) / VRPTW_BKS[path.stem]
    print(f"  {path.stem:<16} n={data.num_clients:<4} cost {cost:>7.1f} BKS {VRPTW_BKS[path.stem]:>7} "
          f"gap {gap:5.2f} % (VRPTW, target 2 %) in {took:5.1f} s, feasible {res.is_feasible()}")  # fmt: skip


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--instances", type=Path, help="a directory of .vrp/.txt CVRP instances")
    ap.add_argument(
        "--bks", action="append", default=[], metavar="NAME=VALUE",
        help="best known cost of instance NAME (repeatable; before .sol, comment and table)",
    )  # fmt: skip
    ap.add_argument("--seconds", type=float, default=10.0, help=f"per instance of n <= {SMALL}")
    ap.add_argument(
        "--seconds-large", type=float, default=60.0, help=f"per instance of n > {SMALL}"
    )
    args = ap.parse_args()
    given: dict[str, float] = {}
    for item in args.bks:
        name, sep, value = item.partition("=")
        if not sep:
            ap.error(f"--bks {item!r}: expected NAME=VALUE")
        given[name] = float(value)
    with tempfile.TemporaryDirectory() as tmp:
        paths = (
            sorted(
                p
                for p in args.instances.iterdir()
                if p.suffix == ".vrp" or (p.suffix == ".txt" and p.stem in VRPTW_BKS)
            )
            if args.instances
            else fetch_pyvrp_instances(Path(tmp))
        )
        # PyVRP's sdist holds other test files too: only the instances we know of
        paths = [p for p in paths if args.instances or p.stem in BKS or p.stem in VRPTW_BKS]
        paths = list({p.stem: p for p in paths}.values())
        print(f"routing: {len(paths)} instances: {', '.join(p.stem for p in paths)}; {load()}")
        for path in paths:
            import vrplib

            if path.stem in VRPTW_BKS:
                vrptw(path, args.seconds)
                continue
            n = len(vrplib.read_instance(str(path), compute_edge_weights=False)["demand"]) - 1
            seconds = args.seconds if n <= SMALL else args.seconds_large
            target = 2.0 if n <= SMALL else 5.0
            cost, used, took, cpu = solve(path, seconds)
            line = f"  {path.stem:<16} n={n:<4} cost {cost:>7}"
            known = best_known(path, given)
            if known is None:
                line += " (no best known)"
            else:
                bks, source = known
                gap = 100.0 * (cost - bks) / bks
                verdict = "ok" if gap <= target else "OVER TARGET"
                line += (
                    f" BKS {bks:>7g} ({source}) gap {gap:5.2f} % (target {target:.0f} %): {verdict}"
                )
            print(
                f"{line}; {used} routes, {took:5.1f} s wall, {cpu:5.1f} s CPU, {load()}", flush=True
            )


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
    django.setup()
    main()
