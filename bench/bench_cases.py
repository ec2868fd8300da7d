"""Benchmark of cases and contacts: the chain graph's data for the largest cluster.

    .venv/bin/python -m bench cases                       # SQLite, synthetic county 100,000
    .venv/bin/python -m bench cases --population 850000   # the full county
    DATABASE_URL=postgres://... .venv/bin/python -m bench cases

Loads the synthetic county (``populate(N, seed=1)``), then 5,000 cases and 20,000 contacts
(rows written in bulk as setup, not timed): one cluster the size a peer's graph failed at
(4,746 cases, 18,943 contacts, a tenth of its contacts become cases of the same chain) and
the rest in small clusters of a few cases each. Measures, with the ratio to raw SQL reading
the same rows:
  * the largest cluster's graph data (``graph.cluster_graph``), median of 5  — target < 1 s
  * the same through the API (``GET /api/v1/cases/clusters/{id}/graph``, JSON) — target < 1 s
  * the cluster list and the cases section of the daily picture (county user)
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time

from bench.common import fresh_database, load_average, report


def _median(fn, n: int = 5) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def build(population: int, n_cases: int, n_contacts: int, big_cases: int, big_contacts: int):

    from fangkong.areas.models import Area
    from fangkong.core.models import User, UserRole
    from fangkong.core.roles import Role
    from fangkong.people.models import Person
    from fangkong.people.synthetic import populate

    t = time.perf_counter()
    populate(population, seed=1)
    print(f"synthetic county: {Person.objects.count():,} persons in {time.perf_counter() - t:.0f}s")
    county = Area.objects.get(depth=1)
    user = User.objects.create(username="bench_county")
    UserRole.objects.create(user=user, role=Role.COUNTY_COMMAND)
    user.areas.set([county])
    user = User.objects.get(pk=user.pk)
    return user, add_cases(n_cases, n_contacts, big_cases, big_contacts)


def add_cases(n_cases: int, n_contacts: int, big_cases: int, big_contacts: int) -> int:
    """``n_cases`` cases reported over the last 90 days (the first ``big_cases`` one cluster,
    the rest clusters of four) and ``n_contacts`` close contacts (the first ``big_contacts``
    of the big cluster), written in bulk; returns the big cluster's id. Used by the command
    benchmark too."""
    from django.db import transaction
    from django.utils import timezone

    from fangkong.cases.models import Case, Contact
    from fangkong.people.models import Person

    rng = random.Random(1)
    rows = list(Person.objects.values_list("pk", "area_id").order_by("pk")[: n_cases + n_contacts])
    rng.shuffle(rows)
    case_people, contact_people = rows[:n_cases], rows[n_cases:]
    now = timezone.now()
    with transaction.atomic():
        cases = []
        for pk, area in case_people:
            at = now - dt.timedelta(hours=rng.randint(1, 24 * 90))
            cases.append(Case(person_id=pk, area_id=area, kind="confirmed", origin="manual",
                              sampled_at=at - dt.timedelta(hours=6), sampling_place="点",
                              reported_at=at, reported_on=timezone.localdate(at),
                              found=rng.choice(["community", "under_control"])))  # fmt: skip
        Case.objects.bulk_create(cases, batch_size=2000)
        big, small = cases[:big_cases], cases[big_cases:]
        Case.objects.filter(pk__in=[c.pk for c in big]).update(cluster=big[0].pk)
        # small clusters of four cases each
        for i in range(0, len(small), 4):
            Case.objects.filter(pk__in=[c.pk for c in small[i : i + 4]]).update(cluster=small[i].pk)
        contacts = []
        for i, (pk, area) in enumerate(contact_people):
            rest = small or big
            owner = big[i % len(big)] if i < big_contacts else rest[i % len(rest)]
            # controlled at the case's report: in time (what Contact.mark_controlled stores)
            contacts.append(Contact(case_id=owner.pk, person_id=pk, area_id=area, kind="close",
                                    controlled_at=owner.reported_at,
                                    controlled_in_time=True))  # fmt: skip
        # a tenth of the big cluster's cases were contacts of it first
        for j, c in enumerate(big[1 : big_cases // 10]):
            contacts.append(Contact(case_id=big[j].pk, person_id=c.person_id,
                                    area_id=c.area_id, kind="close"))  # fmt: skip
        Contact.objects.bulk_create(contacts, batch_size=5000)
    return big[0].pk


def raw_graph(cluster: int) -> int:
    """The same rows by hand: the cluster's cases with names, its contacts with names."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT c.id, c.person_id, p.name, c.kind, c.found, c.reported_on FROM cases_case c"
            " JOIN people_person p ON p.id = c.person_id WHERE c.cluster = %s",
            [cluster],
        )
        n = len(cur.fetchall())
        cur.execute(
            "SELECT k.id, k.case_id, k.person_id, p.name, k.kind, v.person_id, k.episode_id"
            " FROM cases_contact k JOIN cases_case c ON c.id = k.case_id"
            " JOIN people_person p ON p.id = k.person_id"
            " LEFT JOIN cases_contact v ON v.id = k.via_id WHERE c.cluster = %s",
            [cluster],
        )
        n += len(cur.fetchall())
    return n


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--population", type=int, default=100_000)
    p.add_argument("--cases", type=int, default=5000)
    p.add_argument("--contacts", type=int, default=20000)
    p.add_argument("--big-cases", type=int, default=4746)
    p.add_argument("--big-contacts", type=int, default=18943)
    args = p.parse_args(argv)
    with fresh_database() as vendor:
        from django.test import Client
        from django.utils import timezone

        from fangkong.cases import graph
        from fangkong.core import pii
        from fangkong.core.figures import sections_for

        pii.set_keyring(pii.Keyring.generate())
        print(f"# cases bench on {vendor}: {args.cases:,} cases, {args.contacts:,} contacts;"
              f" load average {load_average()}")  # fmt: skip
        user, cluster = build(args.population, args.cases, args.contacts, args.big_cases,
                              args.big_contacts)  # fmt: skip
        data = graph.cluster_graph(user, cluster)
        print(f"largest cluster: {len(data['nodes']):,} nodes, {len(data['edges']):,} edges")
        ours = _median(lambda: graph.cluster_graph(user, cluster))
        raw = _median(lambda: raw_graph(cluster))
        report("graph data, largest cluster (selector)", ours, raw, target="< 1 s")
        client = Client()
        client.force_login(user)
        url = f"/api/v1/cases/clusters/{cluster}/graph"
        assert client.get(url).status_code == 200
        api = _median(lambda: client.get(url))
        report("graph data, largest cluster (API, JSON)", api, raw, target="< 1 s")
        clusters = _median(lambda: graph.clusters(user))
        report("cluster list (county)", clusters, raw)
        day = timezone.localdate()
        picture = _median(lambda: [s for s in sections_for(user, day) if s.section.key == "cases"])
        report("daily picture sections (county)", picture, raw)
    return 0


if __name__ == "__main__":
    sys.exit(main())
