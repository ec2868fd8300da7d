"""Demo mass testing for 钟多街道: a lab, a fixed testing point, today's screening round,
swabs in pooled and single tubes, boxes to the lab, results (one pooled tube and one single
tube positive) published, and a box still on its way.

Everything goes through the testing and control services: the positive pool puts its
members under temporary control with open retest tasks, the positive single tube opens a
case candidate, exactly as a real result would."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Case, Q, Value, When
from django.utils import timezone

from fangkong.areas.models import Area
from fangkong.cases.choices import CandidateState
from fangkong.cases.models import CaseCandidate
from fangkong.control.choices import EpisodeStatus
from fangkong.control.models import ControlEpisode
from fangkong.control.services import start_episode
from fangkong.core.demo import DEMO_TOWNSHIP_CODE, demo_village
from fangkong.core.models import User
from fangkong.people.choices import PersonStatus
from fangkong.people.models import Person
from fangkong.testing import services
from fangkong.testing.choices import RetestState, TubeState
from fangkong.testing.models import RetestTask, ScreeningRound, Tube

POOLING = 10
FULL_POOLS = 4  # pooled tubes filled (and closed) by ten swabs each
PARTIAL_POOL = 5  # swabs in the last pooled tube, closed by hand
SINGLES = 3  # low-risk arrivals (落地检), sampled singly
POSITIVE_POOL = 1  # index of the positive pooled tube
SWAB_MINUTES = 3


def _say(stdout: Any, line: str) -> None:
    if stdout is not None:
        stdout.write(line)


def _free_persons(township: Area) -> Any:
    """Active persons of the township not under control, in a stable order: the village
    login's community first (its cadre then has the retests and the case candidate to
    follow), then from the other end than the isolation sites' demo."""
    controlled = ControlEpisode.objects.filter(status=EpisodeStatus.ACTIVE).values("person_id")
    village = demo_village(township)
    first = Q(area__path__startswith=village.path) if village else Q(pk__in=[])
    return (
        Person.objects.filter(area__path__startswith=township.path, status=PersonStatus.ACTIVE)
        .exclude(pk__in=controlled)
        .select_related("area")
        .annotate(later=Case(When(first, then=Value(0)), default=Value(1)))
        .order_by("later", "-pk")
    )


@transaction.atomic
def load_demo_testing(stdout: Any = None, township: Area | None = None) -> dict[str, int]:
    """Create the demo testing pipeline once; with any screening round present, do nothing.

    Returns the counts made (``{"skipped": 1}`` when skipped)."""
    if ScreeningRound.objects.exists():
        _say(stdout, "demo: screening rounds already present, skipped")
        return {"skipped": 1}
    township = township or Area.objects.get(code=DEMO_TOWNSHIP_CODE)
    county = Area.objects.filter(depth=1).first() or township
    command = User.objects.get(username="county")
    officer = User.objects.get(username="township")
    sampler = User.objects.get(username="sampler")
    tech = User.objects.get(username="lab")
    now = timezone.now()
    today = timezone.localdate(now)

    lab = services.create_lab(
        name="酉阳县疾控中心核酸检测实验室", code="YYCDC01", area=county,
        technicians=[tech], by=command,
    )  # fmt: skip
    point = services.create_point(
        name="桃花源广场核酸采样点", kind="fixed", area=township,
        address="钟多街道桃花源广场东侧", hours="07:00-22:00", samplers=[sampler], by=command,
    )  # fmt: skip
    rnd = services.create_round(
        name=f"{today.month}月{today.day}日钟多街道全员核酸筛查", areas=[township],
        starts_at=now - dt.timedelta(hours=8), ends_at=now + dt.timedelta(hours=16),
        pooling_ratio=POOLING, by=command,
    )  # fmt: skip

    pooled_n = FULL_POOLS * POOLING + PARTIAL_POOL
    people = list(_free_persons(township)[: pooled_n + SINGLES])
    arrivals, pooled = people[:SINGLES], people[SINGLES:]
    for p in arrivals:  # 落地检: tests only, sampled singly
        start_episode(p, "low_risk_area_arrival", start_date=today, by=officer)
    at = now - dt.timedelta(hours=7)
    singles: list[Tube] = []
    for i, p in enumerate(arrivals):
        res = services.sample(rnd, point, person=p, tube_barcode=f"S{today:%m%d}{i + 1:04d}",
                              by=sampler, at=at)  # fmt: skip
        singles.append(res.tube)
        at += dt.timedelta(minutes=SWAB_MINUTES)
    pools: list[Tube] = []
    for i, p in enumerate(pooled):
        res = services.sample(rnd, point, person=p, tube_barcode=f"P{today:%m%d}{i // POOLING + 1:04d}",
                              by=sampler, at=at)  # fmt: skip
        if res.tube not in pools:
            pools.append(res.tube)
        at += dt.timedelta(minutes=SWAB_MINUTES)
    if pools and pools[-1].state == TubeState.OPEN:
        pools[-1] = services.close_tube(pools[-1], by=sampler)

    # box 1: the full pools and two single tubes, received and tested
    first = [*pools[:FULL_POOLS], *singles[:2]]
    box = services.create_box(barcode=f"BOX{today:%m%d}01", point=point, by=sampler)
    for t in first:
        services.add_tube(box, t.barcode, by=sampler)
    services.hand_over(box, courier_name="冉师傅", courier_phone="13896820001", lab=lab,
                       by=sampler)  # fmt: skip
    services.receive_box(box, lab=lab, by=tech)
    positives = {pools[POSITIVE_POOL].pk, singles[0].pk} if len(pools) > 1 and singles else set()
    for t in first:
        positive = t.pk in positives
        services.record_result(
            t, outcome="positive" if positive else "negative", by=tech, lab=lab,
            ct_values="ORF1ab:28.4;N:26.9" if positive else None,
        )  # fmt: skip
    published = services.publish_results(by=tech, lab=lab)

    # box 2: the last pool and the last single tube, still on the road
    rest = [*pools[FULL_POOLS:], *singles[2:]]
    if rest:
        box2 = services.create_box(barcode=f"BOX{today:%m%d}02", point=point, by=sampler)
        for t in rest:
            services.add_tube(box2, t.barcode, by=sampler)
        services.hand_over(box2, courier_name="白师傅", lab=lab, by=sampler)

    counts = {
        "swabs": len(people),
        "tubes": len(pools) + len(singles),
        "published": published,
        "in_transit": len(rest),
        "retests": RetestTask.objects.filter(state=RetestState.OPEN).count(),
        "candidates": CaseCandidate.objects.filter(state=CandidateState.OPEN).count(),
    }
    _say(
        stdout,
        "demo: 1 screening round, {swabs} swabs in {tubes} tubes, {published} results "
        "published, {in_transit} tubes in transit, {retests} open retests, "
        "{candidates} case candidate(s)".format(**counts),
    )
    return counts
