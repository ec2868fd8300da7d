"""The chain of transmission, per cluster (传播链): its cases, their contacts, and the
contacts who became cases, as nodes and edges for the graph page (cytoscape.js) and the API.

A cluster is the first case of a chain: a case registered while its person was a known
contact joins the cluster of the case it was a contact of. The largest cluster of a county
can hold thousands of cases and tens of thousands of contacts, so the data is read as
plain rows (``values_list``, four queries whatever the size) and the page draws one cluster
at a time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count

from fangkong.cases.models import Case, Contact
from fangkong.core.actors import Actor


@dataclass(frozen=True)
class Cluster:
    cluster: int
    cases: int
    contacts: int
    first_reported: Any


def clusters(user: Actor, *, limit: int = 200) -> list[Cluster]:
    """The user's clusters, largest first (cases, then contacts). Two grouped queries."""
    rows = (
        Case.objects.visible_to(user)
        .values("cluster")
        .annotate(n=Count("pk"))
        .order_by("-n", "cluster")[:limit]
    )
    ids = [r["cluster"] for r in rows]
    contacts = dict(
        Contact.objects.visible_to(user)
        .filter(case__cluster__in=ids)
        .values("case__cluster")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("case__cluster", "n")
    )
    firsts = dict(Case.objects.filter(pk__in=ids).values_list("pk", "reported_on"))
    return [
        Cluster(r["cluster"], r["n"], contacts.get(r["cluster"], 0), firsts.get(r["cluster"]))
        for r in rows
    ]


def cluster_graph(user: Actor, cluster: int) -> dict[str, Any]:
    """Nodes and edges of one cluster within the user's areas, in cytoscape.js's element
    format: a node per case (``c<id>``) and per contact person who is not a case
    (``p<person id>``); an edge from each case to each of its contacts (to the contact's
    case node when the contact became a case), and for a secondary contact from the close
    contact it came through. Empty lists for a cluster without a case in the user's areas;
    of a cluster spanning townships, a township's user sees what lies in their areas."""
    cases = list(
        Case.objects.visible_to(user)
        .filter(cluster=cluster)
        .values_list("pk", "person_id", "person__name", "kind", "found", "reported_on")
    )
    if not cases:  # a chain is seen through its cases: none in the user's areas, no chain
        return {"cluster": cluster, "nodes": [], "edges": []}
    case_of_person = {c[1]: c[0] for c in cases}
    nodes: list[dict[str, Any]] = [
        {"data": {"id": f"c{pk}", "label": name, "type": "case", "kind": kind, "found": found,
                  "day": day.isoformat()}}
        for pk, _person, name, kind, found, day in cases
    ]  # fmt: skip
    contacts = (
        Contact.objects.visible_to(user)
        .filter(case__cluster=cluster)
        .values_list("pk", "case_id", "person_id", "person__name", "kind", "via__person_id",
                     "episode_id")
    )  # fmt: skip
    edges: list[dict[str, Any]] = []
    seen: set[int] = set()
    for pk, case_id, person_id, name, kind, via_person, episode in contacts.iterator(2000):
        target = f"c{case_of_person[person_id]}" if person_id in case_of_person else f"p{person_id}"
        if target[0] == "p" and person_id not in seen:
            seen.add(person_id)
            nodes.append({"data": {"id": target, "label": name, "type": "contact",
                                   "kind": kind, "controlled": episode is not None}})  # fmt: skip
        source = f"c{case_id}"
        if via_person is not None:
            source = (
                f"c{case_of_person[via_person]}"
                if via_person in case_of_person
                else f"p{via_person}"
            )
        edges.append({"data": {"id": f"e{pk}", "source": source, "target": target, "kind": kind}})
    known = {n["data"]["id"] for n in nodes}
    edges = [e for e in edges if e["data"]["source"] in known]
    return {"cluster": cluster, "nodes": nodes, "edges": edges}
