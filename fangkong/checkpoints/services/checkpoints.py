"""Checkpoints (卡口) and the staff on shift at them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.arrivals.services._common import Errors, clean_text
from fangkong.checkpoints.models import Checkpoint, Shift
from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.errors import Conflict, ValidationFailed
from fangkong.core.permissions import require, require_area


@dataclass
class CheckpointData:
    name: str
    area: Any
    location: str
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    active: bool = True


def _clean(data: CheckpointData, by: Actor) -> dict[str, Any]:
    errors = Errors()
    v: dict[str, Any] = {
        "name": clean_text(errors, "name", data.name, max_length=100, required=True),
        "location": clean_text(errors, "location", data.location, max_length=200, required=True),
        "area": data.area,
        "active": bool(data.active),
        "latitude": data.latitude,
        "longitude": data.longitude,
    }
    if data.latitude is not None and not (-90 <= data.latitude <= 90):
        errors.add("latitude", _("A latitude lies between -90 and 90."))
    if data.longitude is not None and not (-180 <= data.longitude <= 180):
        errors.add("longitude", _("A longitude lies between -180 and 180."))
    errors.raise_if_any()
    require_area(by, data.area)
    return v


@transaction.atomic
def create_checkpoint(data: CheckpointData, *, by: Actor) -> Checkpoint:
    require(by, "checkpoint.manage")
    cp = Checkpoint.objects.create(**_clean(data, by), created_by=by)
    audit.record(audit.Action.CREATE, cp, by=by, after=audit.snapshot(cp))
    return cp


@transaction.atomic
def update_checkpoint(cp: Checkpoint, data: CheckpointData, *, by: Actor) -> Checkpoint:
    require(by, "checkpoint.manage")
    require_area(by, cp.area, field="checkpoint")
    values = _clean(data, by)
    cp = Checkpoint.objects.select_for_update().get(pk=cp.pk)
    before = audit.snapshot(cp)
    for k, v in values.items():
        setattr(cp, k, v)
    cp.save()
    audit.record(audit.Action.UPDATE, cp, by=by, before=before, after=audit.snapshot(cp))
    return cp


def check_inspector(by: Actor, cp: Checkpoint) -> None:
    """Checkpoint staff record at an open checkpoint within their areas."""
    require(by, "checkpoint.inspect")
    require_area(by, cp.area, field="checkpoint")
    if not cp.active:
        raise ValidationFailed(_("This checkpoint is closed."), field="checkpoint")


@transaction.atomic
def start_shift(cp: Checkpoint, *, by: Actor) -> Shift:
    """The user goes on shift at ``cp`` (a shift still open elsewhere is ended first)."""
    check_inspector(by, cp)
    now = timezone.now()
    Shift.objects.filter(user=by, ends_at__isnull=True).update(ends_at=now)
    try:
        with transaction.atomic():
            shift = Shift.objects.create(checkpoint=cp, user=by, starts_at=now, created_by=by)
    except IntegrityError:
        raise Conflict(_("You are already on shift."), field="checkpoint") from None
    audit.record(audit.Action.CREATE, shift, by=by, after=audit.snapshot(shift))
    return shift


@transaction.atomic
def end_shift(*, by: Actor) -> int:
    """End the user's open shift; how many were open (0 or 1)."""
    require(by, "checkpoint.inspect")
    return Shift.objects.filter(user=by, ends_at__isnull=True).update(ends_at=timezone.now())
