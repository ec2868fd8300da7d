"""The supplies and freight passes API under /api/v1/logistics: stock points, stock with
days left, receipts and use; freight passes (apply, approve, refuse, revoke) and the
checkpoint's verification fast lane. Scoped, role-checked, errors in the one format."""

import datetime as dt

from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from fangkong.areas.models import Area
from fangkong.core.actors import AuthedRequest
from fangkong.core.api import ErrorOut, Page, StrictSchema, filter_list
from fangkong.core.permissions import require
from fangkong.core.scoping import get_visible_or_404
from fangkong.logistics import filters, selectors, services
from fangkong.logistics.choices import (
    ApplicantRole,
    GoodsClass,
    MovementKind,
    PassStatus,
    StockPointKind,
)
from fangkong.logistics.models import FreightPass, StockPoint, SupplyItem

router = Router(tags=["supplies and freight passes"])
ERR = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class ItemOut(Schema):
    id: int
    code: str
    name: str
    category: str
    unit: str


class StockPointOut(Schema):
    id: int
    name: str
    kind: str
    area_id: int
    reorder_days: int


class StockPointIn(StrictSchema):
    name: str = Field(..., max_length=100)
    kind: StockPointKind
    area_id: int
    reorder_days: int = 3


class LineOut(Schema):
    point_id: int
    point: str
    item_id: int
    item: str
    unit: str
    quantity: int
    rate: float
    days_left: float | None
    reorder: bool


class StockMoveIn(StrictSchema):
    item_id: int
    kind: MovementKind
    quantity: int
    note: str = Field("", max_length=200)


class MoveOut(Schema):
    id: int
    point_id: int
    item_id: int
    kind: str
    quantity: int
    balance: int
    at: dt.datetime


class CrewIn(StrictSchema):
    name: str = Field(..., max_length=60)
    id_number: str = Field(..., max_length=18)
    phone: str = Field(..., max_length=20)
    tested_at: dt.datetime


class CrewOut(Schema):
    name: str
    id_number_masked: str
    tested_at: dt.datetime


class PassIn(StrictSchema):
    area_id: int
    applicant_name: str = Field(..., max_length=100)
    applicant_role: ApplicantRole
    applicant_phone: str = Field(..., max_length=20)
    goods_class: GoodsClass
    goods: str = Field(..., max_length=100)
    plate: str = Field(..., max_length=12)
    trailer_plate: str = Field("", max_length=12)
    origin: str = Field(..., max_length=60)
    destination: str = Field(..., max_length=60)
    route: str = Field("", max_length=200)
    valid_from: dt.date
    valid_to: dt.date
    crew: list[CrewIn] = Field(..., min_length=1, max_length=4)


class PassOut(Schema):
    id: int
    number: str
    area_id: int
    applicant_name: str
    applicant_role: str
    goods_class: str
    goods: str
    plate: str
    trailer_plate: str
    origin: str
    destination: str
    route: str
    valid_from: dt.date
    valid_to: dt.date
    status: str
    reason: str
    crew: list[CrewOut]

    @staticmethod
    def resolve_crew(obj: FreightPass) -> list:
        return list(obj.crew.all())


class PassReasonIn(StrictSchema):
    reason: str = Field(..., max_length=200)


class VerifyIn(StrictSchema):
    number: str = Field(..., max_length=40)
    checkpoint: str = Field("", max_length=100)
    record: bool = True


class VerifyOut(Schema):
    verdict: str
    label: str
    valid: bool
    number: str
    plate: str
    goods_class: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    origin: str
    destination: str
    reason: str


class PassQuery(Schema):
    status: PassStatus | None = None
    goods_class: GoodsClass | None = None
    plate: str | None = None


@router.get("/items", response=list[ItemOut], summary="The supply catalogue")
def list_items(request: AuthedRequest):
    require(request.user, "supply.view")
    return SupplyItem.objects.all()


@router.get("/points", response=list[StockPointOut], summary="Stock points")
@paginate(Page)
def list_points(request: AuthedRequest):
    require(request.user, "supply.view")
    return StockPoint.objects.visible_to(request.user).order_by("name", "pk")


@router.post("/points", response={201: StockPointOut, **ERR}, summary="A stock point")
def create_point(request: AuthedRequest, payload: StockPointIn):
    require(request.user, "supply.manage")
    area = get_visible_or_404(Area, request.user, pk=payload.area_id, error_field="area_id")
    return Status(201, services.create_point(by=request.user, name=payload.name, kind=payload.kind,
                                             area=area, reorder_days=payload.reorder_days))  # fmt: skip


def _point(request: AuthedRequest, point_id: int) -> StockPoint:
    return get_visible_or_404(StockPoint, request.user, pk=point_id, error_field="point_id")


@router.get("/points/{point_id}", response={200: StockPointOut, 404: ErrorOut})
def get_point(request: AuthedRequest, point_id: int):
    require(request.user, "supply.view")
    return _point(request, point_id)


@router.get("/points/{point_id}/stock", response={200: list[LineOut], 404: ErrorOut},
            summary="Stock, use a day and days left")  # fmt: skip
def point_stock(request: AuthedRequest, point_id: int):
    require(request.user, "supply.view")
    return selectors.stock_lines(request.user, point=_point(request, point_id))


@router.post("/points/{point_id}/movements", response={201: MoveOut, **ERR},
             summary="A receipt or a use (more than the stock: 409, nothing written)")  # fmt: skip
def move(request: AuthedRequest, point_id: int, payload: StockMoveIn):
    require(request.user, "supply.manage")
    point = _point(request, point_id)
    item = get_visible_or_404(SupplyItem, request.user, pk=payload.item_id, error_field="item_id")
    verb = services.receive if payload.kind == MovementKind.RECEIPT else services.use
    return Status(201, verb(point, item, payload.quantity, by=request.user, note=payload.note))


@router.get("/running-out", response=list[LineOut], summary="Stock running out within 3 days")
def running_out(request: AuthedRequest):
    require(request.user, "supply.view")
    return selectors.running_out(request.user)


@router.get("/passes", response=list[PassOut], summary="Freight passes")
@paginate(Page)
def list_passes(request: AuthedRequest, query: Query[PassQuery]):
    require(request.user, "freight_pass.view")
    qs = selectors.passes_for(request.user).prefetch_related("crew")
    return filter_list(request, filters.PassFilter, query, queryset=qs).order_by("-pk")


@router.post("/passes", response={201: PassOut, **ERR}, summary="Apply for a freight pass")
def apply(request: AuthedRequest, payload: PassIn):
    require(request.user, "freight_pass.apply")
    area = get_visible_or_404(Area, request.user, pk=payload.area_id, error_field="area_id")
    data = payload.model_dump(exclude={"area_id", "crew"})
    crew = [services.CrewData(**c.model_dump()) for c in payload.crew]
    return Status(201, services.apply(by=request.user,
                                      data=services.PassApplication(area=area, crew=crew, **data)))  # fmt: skip


def _pass(request: AuthedRequest, pass_id: int) -> FreightPass:
    return get_visible_or_404(FreightPass, request.user, pk=pass_id, error_field="pass_id")


@router.get("/passes/{pass_id}", response={200: PassOut, 404: ErrorOut})
def get_pass(request: AuthedRequest, pass_id: int):
    require(request.user, "freight_pass.view")
    return _pass(request, pass_id)


@router.post("/passes/{pass_id}/approve", response={200: PassOut, **ERR})
def approve(request: AuthedRequest, pass_id: int):
    require(request.user, "freight_pass.decide")
    return services.approve(_pass(request, pass_id), by=request.user)


@router.post("/passes/{pass_id}/refuse", response={200: PassOut, **ERR})
def refuse(request: AuthedRequest, pass_id: int, payload: PassReasonIn):
    require(request.user, "freight_pass.decide")
    return services.refuse(_pass(request, pass_id), by=request.user, reason=payload.reason)


@router.post("/passes/{pass_id}/revoke", response={200: PassOut, **ERR})
def revoke(request: AuthedRequest, pass_id: int, payload: PassReasonIn):
    require(request.user, "freight_pass.decide")
    return services.revoke(_pass(request, pass_id), by=request.user, reason=payload.reason)


@router.post("/verify", response={200: VerifyOut, **ERR},
             summary="The checkpoint's fast lane: valid, expired, not yet valid or revoked")  # fmt: skip
def verify(request: AuthedRequest, payload: VerifyIn):
    require(request.user, "freight_pass.verify")
    if payload.record:  # against the officer's open shift when there is one
        v = services.verify_on_shift(payload.number, by=request.user, checkpoint=payload.checkpoint)
    else:
        v = services.verify_freight_pass(payload.number)
    return {**v.__dict__, "valid": v.valid}
