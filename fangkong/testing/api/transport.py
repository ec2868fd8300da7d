"""Testing API, transport: boxes, hand-over, receipt at the lab."""

from django.utils.translation import gettext as _
from ninja import Router, Status

from fangkong.core.actors import AuthedRequest
from fangkong.core.errors import ValidationFailed
from fangkong.core.permissions import require
from fangkong.testing import services
from fangkong.testing.api._lookups import ERRORS, _box, _lab, _lab_to_hand_to, _point
from fangkong.testing.api.schemas import (
    BoxIn,
    BoxOut,
    BoxTubeIn,
    HandoverIn,
    ReceiptOut,
    ReceiveIn,
)

router = Router(tags=["testing"])


# --- transport -------------------------------------------------------------------------------
@router.post("/boxes", response={201: BoxOut, **ERRORS})
def create_box(request: AuthedRequest, data: BoxIn):
    require(request.user, "testing.transport")
    box = services.create_box(
        barcode=data.barcode, point=_point(request, data.point_id), by=request.user
    )
    return Status(201, box)


@router.get("/boxes/{barcode}", response={200: BoxOut, **ERRORS})
def get_box(request: AuthedRequest, barcode: str):
    require(request.user, "testing.view")
    return _box(request, barcode)


@router.post("/boxes/{barcode}/tubes", response={200: BoxOut, **ERRORS})
def box_add_tube(request: AuthedRequest, barcode: str, data: BoxTubeIn):
    require(request.user, "testing.transport")
    box = _box(request, barcode)
    services.add_tube(box, data.tube, by=request.user)
    return box


@router.post("/boxes/{barcode}/handover", response={200: BoxOut, **ERRORS})
def box_handover(request: AuthedRequest, barcode: str, data: HandoverIn):
    require(request.user, "testing.transport")
    box = _box(request, barcode)
    lab = _lab_to_hand_to(request, data.lab_id) if data.lab_id is not None else None
    return services.hand_over(
        box, courier_name=data.courier_name, courier_phone=data.courier_phone, lab=lab,
        by=request.user,
    )  # fmt: skip


@router.post("/boxes/{barcode}/receive", response={200: ReceiptOut, **ERRORS})
def box_receive(request: AuthedRequest, barcode: str, data: ReceiveIn):
    require(request.user, "testing.lab")
    box = _box(request, barcode)
    lab = _lab(request, data.lab_id)
    if lab is None:
        raise ValidationFailed(_("Which lab? You belong to none; give lab_id."), field="lab_id")
    r = services.receive_box(box, lab=lab, scanned=data.scanned, by=request.user)
    return {"box": box.barcode, "received": r.received, "missing": r.missing, "extra": r.extra,
            "unknown": r.unknown, "refused": r.refused}  # fmt: skip
