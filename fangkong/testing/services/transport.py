"""送: closed tubes into barcoded boxes, the box handed to a courier, received at the lab by
scanning it, with the tubes missing or extra listed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.errors import Conflict, NotFound, ValidationFailed
from fangkong.core.permissions import require, require_area
from fangkong.testing.choices import BoxState, TubeState
from fangkong.testing.models import Box, Lab, TestingPoint, Tube
from fangkong.testing.selectors import labs_to_hand_to
from fangkong.testing.services._common import clean_barcode
from fangkong.testing.services.lab import lab_for
from fangkong.testing.states import RECEIVABLE, BoxMachine, TubeMachine


@transaction.atomic
def create_box(
    *, barcode: str, by: Actor, point: TestingPoint | None = None, area: Any = None
) -> Box:
    require(by, "testing.transport")
    area = point.area if point is not None else area
    if area is None:
        raise ValidationFailed(_("Choose the testing point the box leaves from."), field="point")
    require_area(by, area, field="point")
    code = clean_barcode(barcode, field="barcode")
    if Box.objects.filter(barcode=code).exists():
        raise Conflict(_("Box %(code)s exists already.") % {"code": code}, field="barcode")
    box = Box.objects.create(barcode=code, area=area, point=point, created_by=by)
    audit.record(audit.Action.CREATE, box, by=by, after=audit.snapshot(box))
    return box


def _tube_for(barcode: str, by: Actor) -> Tube:
    code = clean_barcode(barcode, field="tube")
    tube = Tube.objects.visible_to(by).select_for_update().filter(barcode=code).first()
    if tube is None:
        raise NotFound(_("No tube %(code)s within your areas.") % {"code": code}, field="tube")
    return tube


@transaction.atomic
def add_tube(box: Box, tube_barcode: str, *, by: Actor) -> Tube:
    """Put a closed tube in a packing box. A tube already in a box (this or another) is
    refused."""
    require(by, "testing.transport")
    require_area(by, box.area, field="box")
    box = Box.objects.select_for_update().get(pk=box.pk)
    if box.state != BoxState.PACKING:
        raise ValidationFailed(
            _("Box %(code)s has left; tubes go into a packing box.") % {"code": box.barcode},
            field="box",
        )
    tube = _tube_for(tube_barcode, by)
    if tube.box_id is not None:
        other = Box.objects.filter(pk=tube.box_id).values_list("barcode", flat=True).first()
        raise Conflict(
            _("Tube %(tube)s is already in box %(box)s.") % {"tube": tube.barcode, "box": other},
            field="tube",
            code="already_boxed",
        )
    if tube.state == TubeState.OPEN:
        raise ValidationFailed(
            _("Tube %(code)s is still open: close it first.") % {"code": tube.barcode},
            field="tube",
        )
    TubeMachine.move(tube, TubeState.BOXED)
    tube.box = box
    tube.save(update_fields=["state", "box", "updated_at"])
    audit.record(
        audit.Action.UPDATE, tube, by=by, before={"box": None}, after={"box": box.barcode},
        detail="into box",
    )  # fmt: skip
    return tube


@transaction.atomic
def remove_tube(box: Box, tube_barcode: str, *, by: Actor) -> Tube:
    require(by, "testing.transport")
    require_area(by, box.area, field="box")
    tube = _tube_for(tube_barcode, by)
    if tube.box_id != box.pk or box.state != BoxState.PACKING:
        raise ValidationFailed(
            _("Tube %(tube)s is not in packing box %(box)s.") % {"tube": tube.barcode, "box": box},
            field="tube",
        )
    TubeMachine.move(tube, TubeState.CLOSED)
    tube.box = None
    tube.save(update_fields=["state", "box", "updated_at"])
    audit.record(audit.Action.UPDATE, tube, by=by, before={"box": box.barcode}, after={"box": None})
    return tube


@transaction.atomic
def hand_over(
    box: Box, *, courier_name: str, by: Actor, courier_phone: str = "", lab: Lab | None = None
) -> Box:
    """The box leaves with a courier (who, when), its tubes in transit, for ``lab`` when
    named: any lab serving the user's county (not only one they work at)."""
    require(by, "testing.transport")
    require_area(by, box.area, field="box")
    if lab is not None and not labs_to_hand_to(by).filter(pk=lab.pk).exists():
        raise NotFound(_("No such lab."), field="lab")
    box = Box.objects.select_for_update().get(pk=box.pk)
    if not (courier_name or "").strip():
        raise ValidationFailed(
            _("Who takes the box? Give the courier's name."), field="courier_name"
        )
    if not box.tubes.exists():
        raise ValidationFailed(_("Box %(code)s is empty.") % {"code": box.barcode}, field="box")
    before = audit.snapshot(box, ["state", "courier_name", "handed_over_at", "lab"])
    BoxMachine.move(box, BoxState.IN_TRANSIT)
    box.courier_name = courier_name.strip()
    box.courier_phone = (courier_phone or "").strip()
    box.handed_over_at = timezone.now()
    box.lab = lab
    box.save()
    TubeMachine.bulk(box.tubes.all(), TubeState.IN_TRANSIT, updated_at=box.handed_over_at)
    audit.record(
        audit.Action.UPDATE, box, by=by, before=before,
        after=audit.snapshot(box, ["state", "courier_name", "handed_over_at", "lab"]),
    )  # fmt: skip
    return box


@dataclass
class Receipt:
    box: Box
    received: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # in the box's list, not scanned
    extra: list[str] = field(default_factory=list)  # scanned, not in the box's list
    unknown: list[str] = field(default_factory=list)  # scanned, no such tube
    refused: list[str] = field(default_factory=list)  # scanned, already received or tested


@transaction.atomic
def receive_box(box: Box, *, lab: Lab, by: Actor, scanned: Iterable[str] | None = None) -> Receipt:
    """Receive a box at ``lab``. With ``scanned`` (the tube barcodes read from the box), the
    tubes of the box's list not scanned are missing and stay in transit; scanned tubes not on
    the list are extra (received too when they exist and have not been)."""
    require(by, "testing.lab")
    lab_for(by, lab)  # a technician receives at their own lab
    box = Box.objects.select_for_update().get(pk=box.pk)
    BoxMachine.move(box, BoxState.RECEIVED)
    now = timezone.now()
    manifest = dict(box.tubes.values_list("barcode", "pk"))
    seen = (
        list(dict.fromkeys(s.strip() for s in scanned if s and s.strip()))
        if scanned is not None
        else list(manifest)
    )
    receipt = Receipt(box=box)
    receipt.missing = sorted(set(manifest) - set(seen))
    extra = [s for s in seen if s not in manifest]
    found = dict(Tube.objects.filter(barcode__in=extra).values_list("barcode", "state"))
    receipt.unknown = [s for s in extra if s not in found]
    receipt.extra = [s for s in extra if s in found]
    take = [s for s in seen if s in manifest or found.get(s) in RECEIVABLE]
    receipt.refused = [s for s in receipt.extra if found[s] not in RECEIVABLE]
    TubeMachine.bulk(
        Tube.objects.filter(barcode__in=take),
        TubeState.RECEIVED,
        received_at=now,
        lab=lab,
        updated_at=now,
    )
    receipt.received = sorted(
        Tube.objects.filter(barcode__in=take, received_at=now, lab=lab).values_list(
            "barcode", flat=True
        )
    )
    box.received_at, box.received_by, box.lab = now, by, lab
    box.missing, box.extra = receipt.missing, receipt.extra + receipt.unknown
    box.save()
    audit.record(
        audit.Action.UPDATE, box, by=by, before={"state": BoxState.IN_TRANSIT},
        after={"state": box.state, "received": len(receipt.received), "missing": receipt.missing,
               "extra": box.extra},
        detail=f"received at {lab}",
    )  # fmt: skip
    return receipt
