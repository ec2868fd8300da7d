"""Testing points, labs and screening rounds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.errors import ValidationFailed
from fangkong.core.permissions import require, require_area
from fangkong.core.roles import Role
from fangkong.testing.choices import PointKind
from fangkong.testing.models import Lab, ScreeningRound, TestingPoint

MAX_POOLING_RATIO = 20


def _samplers(users: Iterable[Any]) -> list[Any]:
    users = list(users or [])
    for u in users:
        if not u.has_role(Role.SAMPLER, Role.COUNTY_COMMAND):
            raise ValidationFailed(_("%(user)s is not a sampler.") % {"user": u}, field="samplers")
    return users


@transaction.atomic
def create_point(
    *,
    name: str,
    kind: str,
    area: Any,
    by: Actor,
    address: str = "",
    hours: str = "",
    samplers: Iterable[Any] = (),
) -> TestingPoint:
    require(by, "testing.manage")
    require_area(by, area)
    if not (name or "").strip():
        raise ValidationFailed(_("Give the point a name."), field="name")
    if kind not in PointKind.values:
        raise ValidationFailed(_("Unknown kind of testing point."), field="kind")
    users = _samplers(samplers)
    point = TestingPoint.objects.create(
        name=name.strip(), kind=kind, area=area, address=address, hours=hours, created_by=by
    )
    point.samplers.set(users)
    after = audit.snapshot(point)
    after["samplers"] = [u.pk for u in users]
    audit.record(audit.Action.CREATE, point, by=by, after=after)
    return point


@transaction.atomic
def set_samplers(point: TestingPoint, samplers: Iterable[Any], *, by: Actor) -> TestingPoint:
    require(by, "testing.manage")
    require_area(by, point.area, field="point")
    users = _samplers(samplers)
    before = sorted(point.samplers.values_list("pk", flat=True))
    point.samplers.set(users)
    audit.record(
        audit.Action.UPDATE,
        point,
        by=by,
        before={"samplers": before},
        after={"samplers": sorted(u.pk for u in users)},
    )
    return point


@transaction.atomic
def create_lab(
    *, name: str, code: str, area: Any, by: Actor, technicians: Iterable[Any] = ()
) -> Lab:
    require(by, "testing.manage")
    require_area(by, area)
    if Lab.objects.filter(code=code).exists():
        raise ValidationFailed(_("A lab with this code exists."), field="code")
    lab = Lab.objects.create(name=name, code=code, area=area, created_by=by)
    lab.technicians.set(list(technicians))
    audit.record(audit.Action.CREATE, lab, by=by, after=audit.snapshot(lab))
    return lab


@transaction.atomic
def create_round(
    *,
    name: str,
    areas: Iterable[Any],
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    by: Actor,
    pooling_ratio: int = 10,
    single_categories: Iterable[Any] = (),
) -> ScreeningRound:
    require(by, "testing.manage")
    areas = list(areas)
    if not areas:
        raise ValidationFailed(_("Choose at least one area."), field="areas")
    for a in areas:
        require_area(by, a, field="areas")
    if not (name or "").strip():
        raise ValidationFailed(_("Give the round a name."), field="name")
    if ends_at <= starts_at:
        raise ValidationFailed(_("The round must end after it starts."), field="ends_at")
    if not 1 <= int(pooling_ratio) <= MAX_POOLING_RATIO:
        raise ValidationFailed(
            _("The pooling ratio is from 1 to %(n)d.") % {"n": MAX_POOLING_RATIO},
            field="pooling_ratio",
        )
    rnd = ScreeningRound.objects.create(
        name=name.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        pooling_ratio=int(pooling_ratio),
        created_by=by,
    )
    rnd.areas.set(areas)
    cats = list(single_categories)
    rnd.single_categories.set(cats)
    after = audit.snapshot(rnd)
    after["areas"] = [a.pk for a in areas]
    after["single_categories"] = [c.pk for c in cats]
    audit.record(audit.Action.CREATE, rnd, by=by, after=after)
    return rnd
