"""The arrivals and ledgers API under /api/v1/arrivals: the public pre-registration (no
account), the arrivals ledger and its acknowledgement, risk areas elsewhere, residents
away, risk designations on the county's grid. Scoped (another area's objects answer 404),
role-checked (403), errors in the project's one format."""

import datetime as dt
from types import SimpleNamespace

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate

from fangkong.areas.models import Area
from fangkong.arrivals import selectors, services
from fangkong.arrivals.choices import (
    ArrivalSource,
    ArrivalStatus,
    AwayStatus,
    CodeColour,
    DesignationStatus,
    OriginRisk,
    RiskLevel,
    TestResult,
    TravelMode,
)
from fangkong.arrivals.filters import ArrivalFilter, AwayFilter, DesignationFilter, OriginFilter
from fangkong.arrivals.models import Arrival, OriginArea, RiskDesignation
from fangkong.checkpoints.decisions import table_for
from fangkong.core import ratelimit
from fangkong.core.api import ErrorOut, Page, StrictSchema, filter_list
from fangkong.core.context import client_ip
from fangkong.core.errors import ValidationFailed
from fangkong.core.permissions import require
from fangkong.core.scoping import get_visible_or_404
from fangkong.core.uploads import read_upload
from fangkong.people.choices import DocType

router = Router(tags=["arrivals and ledgers"])
ERR = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class ArrivalIn(StrictSchema):
    name: str = Field(..., max_length=60)
    doc_type: DocType = DocType.RESIDENT_ID
    id_number: str = Field(..., max_length=40)
    phone: str = Field(..., max_length=20)
    origin_province: str = Field(..., max_length=30)
    origin_city: str = Field("", max_length=30)
    origin_county: str = Field("", max_length=30)
    origin_street: str = Field("", max_length=60)
    travelled: str = Field("", max_length=300)
    travel_mode: TravelMode = TravelMode.OTHER
    travel_number: str = Field("", max_length=20)
    plate: str = Field("", max_length=12)
    arrival_date: dt.date
    area_id: int = Field(..., description="the receiving village or community")
    address: str = Field(..., max_length=200)
    test_result: TestResult = TestResult.NONE
    code_colour: CodeColour = CodeColour.GREEN


class PreRegistrationIn(ArrivalIn):
    website: str = Field("", max_length=200, description="leave empty")


class PreregistrationReceiptOut(Schema):
    reference: str
    updated: bool
    arrival_date: dt.date | None = None


class ArrivalOut(Schema):
    id: int
    reference: str
    source: ArrivalSource
    status: ArrivalStatus
    name: str
    id_number_masked: str
    phone_masked: str
    origin: str
    risk: OriginRisk
    measure: str
    travel_mode: str
    travel_number: str
    plate: str
    arrival_date: dt.date
    area_id: int
    address: str
    household_id: int | None
    person_id: int | None
    test_result: str
    code_colour: str
    ack_due_at: dt.datetime
    acknowledged_at: dt.datetime | None
    episode_id: int | None


class ArrivalIn2(ArrivalIn):
    notes: str = Field("", max_length=300)


class AcknowledgeIn(StrictSchema):
    visited: bool
    at_address: bool
    start_measure: bool = True
    notes: str = Field("", max_length=300)


class ArrivalCancelIn(StrictSchema):
    reason: str = Field(..., max_length=300)


@router.post("/preregistrations", auth=None, response={200: PreregistrationReceiptOut, 201: PreregistrationReceiptOut, 413: ErrorOut,
             422: ErrorOut, 429: ErrorOut}, summary="Public pre-registration (返乡报备), no account")  # fmt: skip
def preregister(request, data: PreRegistrationIn):
    """The public pre-registration: the same person registering again updates the entry
    (200), a new one answers 201; both give the reference number. Throttled per client
    address."""
    if int(request.META.get("CONTENT_LENGTH") or 0) > settings.FANGKONG_PREREGISTER_MAX_BYTES:
        raise ValidationFailed(_("The form is too large to be a registration."), field="body")
    ratelimit.hit(SimpleNamespace(pk=f"ip:{client_ip(request)}"), "arrival.preregister")
    values = data.dict()
    if values.pop("website", ""):
        return 201, {"reference": "LF00000000", "updated": False}
    arrival, created = services.preregister(services.ArrivalData.from_dict(values))
    return (201 if created else 200), {"reference": arrival.reference, "updated": not created,
                                       "arrival_date": arrival.arrival_date}  # fmt: skip


class ArrivalQuery(Schema):
    q: str | None = None
    status: ArrivalStatus | None = None
    risk: OriginRisk | None = None
    source: ArrivalSource | None = None
    area: int | None = Field(None, description="one of your areas")
    arrival_from: dt.date | None = None
    arrival_to: dt.date | None = None
    overdue: bool | None = None


@router.get("/arrivals", response=list[ArrivalOut])
@paginate(Page)
def list_arrivals(request, q: Query[ArrivalQuery]):
    require(request.user, "arrival.view")
    return filter_list(request, ArrivalFilter, q).order_by("-arrival_date", "-pk")


@router.post("/arrivals", response={200: ArrivalOut, 201: ArrivalOut, **ERR})
def create_arrival(request, data: ArrivalIn2):
    """A cadre's entry; a pending arrival of the same document number is updated (200)."""
    arrival, created = services.register_arrival(
        services.ArrivalData.from_dict(data.dict()), source=ArrivalSource.CADRE, by=request.user
    )
    return (201 if created else 200), arrival


@router.get("/arrivals/{arrival_id}", response={200: ArrivalOut, **ERR})
def get_arrival(request, arrival_id: int):
    require(request.user, "arrival.view")
    return get_visible_or_404(Arrival, request.user, pk=arrival_id)


@router.post("/arrivals/{arrival_id}/acknowledge", response={200: ArrivalOut, **ERR})
def acknowledge(request, arrival_id: int, data: AcknowledgeIn):
    """The receiving village acknowledges; ``start_measure`` starts the control episode."""
    require(request.user, "arrival.acknowledge")
    arrival = get_visible_or_404(Arrival, request.user, pk=arrival_id)
    return services.acknowledge(arrival, by=request.user, **data.dict())


@router.post("/arrivals/{arrival_id}/cancel", response={200: ArrivalOut, **ERR})
def cancel(request, arrival_id: int, data: ArrivalCancelIn):
    require(request.user, "arrival.manage")
    arrival = get_visible_or_404(Arrival, request.user, pk=arrival_id)
    return services.cancel_arrival(arrival, reason=data.reason, by=request.user)


# --- origins ------------------------------------------------------------------------------------
class OriginOut(Schema):
    id: int
    level: RiskLevel
    province: str
    city: str
    county: str
    street: str
    effective_from: dt.date
    effective_to: dt.date | None
    source: str
    version: int
    superseded_at: dt.datetime | None
    previous_id: int | None


class OriginIn(StrictSchema):
    level: RiskLevel
    province: str = Field(..., max_length=30)
    city: str = Field("", max_length=30)
    county: str = Field("", max_length=30)
    street: str = Field("", max_length=60)
    effective_from: dt.date
    effective_to: dt.date | None = None
    source: str = Field("", max_length=200)


class OriginQuery(Schema):
    level: RiskLevel | None = None
    province: str | None = None
    current: bool | None = None


@router.get("/origins", response=list[OriginOut])
@paginate(Page)
def list_origins(request, q: Query[OriginQuery]):
    require(request.user, "arrival.view")
    return filter_list(request, OriginFilter, q, queryset=OriginArea.objects.all()).order_by("pk")


@router.post("/origins", response={201: OriginOut, **ERR})
def save_origin(request, data: OriginIn):
    """Declare or change a risk area elsewhere: a change is a new version."""
    return 201, services.save_origin(services.OriginData(**data.dict()), by=request.user)


class ArrivalImportOut(Schema):
    created: int
    unchanged: int


@router.post("/origins/import", response={200: ArrivalImportOut, **ERR})
def import_origins(request, file: UploadedFile = File(...)):  # noqa: B008
    require(request.user, "origin.manage")
    r = services.import_origins(read_upload(file, max_bytes=20 * 1024 * 1024), by=request.user)
    return {"created": r.created, "unchanged": r.unchanged}


# --- residents away -----------------------------------------------------------------------------
class AwayOut(Schema):
    id: int
    status: AwayStatus
    name: str
    id_number_masked: str
    area_id: int
    whereabouts_province: str
    whereabouts_city: str
    away_since: dt.date | None
    expected_return: dt.date | None
    arrival_id: int | None


class AwayIn(StrictSchema):
    name: str = Field(..., max_length=60)
    doc_type: DocType = DocType.RESIDENT_ID
    id_number: str = Field(..., max_length=40)
    phone: str = Field("", max_length=20)
    area_id: int
    whereabouts_province: str = Field(..., max_length=30)
    whereabouts_city: str = Field("", max_length=30)
    whereabouts: str = Field("", max_length=200)
    away_since: dt.date | None = None
    expected_return: dt.date | None = None
    notes: str = Field("", max_length=300)


class AwayQuery(Schema):
    status: AwayStatus | None = None
    area: int | None = None
    returning_by: dt.date | None = None


@router.get("/away", response=list[AwayOut])
@paginate(Page)
def list_away(request, q: Query[AwayQuery]):
    require(request.user, "arrival.view")
    return filter_list(request, AwayFilter, q).order_by("pk")


@router.post("/away", response={200: AwayOut, 201: AwayOut, **ERR})
def record_away(request, data: AwayIn):
    """Enter a resident away (by document number: a second entry updates the first); an
    expected return becomes an expected arrival of the home village."""
    entry, created = services.record_away(services.AwayData(**data.dict()), by=request.user)
    return (201 if created else 200), entry


# --- risk designations ----------------------------------------------------------------------------
class DesignationOut(Schema):
    id: int
    area_id: int
    level: RiskLevel
    starts_on: dt.date
    measures: str
    status: DesignationStatus
    lifted_at: dt.datetime | None
    lift_reason: str
    clean_days_at_lift: int | None


class DesignationDetailOut(DesignationOut):
    clean_days: int
    residents: int
    last_infection_on: dt.date | None = Field(
        None, description="Local day of the last new infection inside: a case's report day, "
        "or a positive result the cases app has no record of yet."
    )  # fmt: skip
    last_infection_source: str = Field("", description='"case", "result" or "" (none).')
    can_lift_on: dt.date | None = Field(
        None, description="While active: the first day it may be lifted without a reason."
    )


class DesignationIn(StrictSchema):
    area_id: int
    level: RiskLevel
    starts_on: dt.date
    measures: str = Field("", max_length=300)


class LiftIn(StrictSchema):
    reason: str = Field("", max_length=300)


class DesignationQuery(Schema):
    status: DesignationStatus | None = None
    level: RiskLevel | None = None
    area: int | None = None


@router.get("/risk-areas", response=list[DesignationOut])
@paginate(Page)
def list_designations(request, q: Query[DesignationQuery]):
    require(request.user, "riskarea.view")
    return filter_list(request, DesignationFilter, q).order_by("-pk")


@router.post("/risk-areas", response={201: DesignationOut, **ERR})
def designate(request, data: DesignationIn):
    require(request.user, "riskarea.designate")
    area = get_visible_or_404(Area, request.user, pk=data.area_id, error_field="area_id")
    d = services.designate(area=area, level=data.level, starts_on=data.starts_on,
                           measures=data.measures, by=request.user)  # fmt: skip
    return 201, d


def _detail(d: RiskDesignation) -> dict:
    out = DesignationOut.from_orm(d).dict()
    active = d.status == DesignationStatus.ACTIVE
    last = selectors.last_infection(d.area.path)
    out["clean_days"] = (
        selectors.clean_days(d, last=last.day) if active else (d.clean_days_at_lift or 0)
    )
    out["last_infection_on"], out["last_infection_source"] = last.day, last.source
    need = table_for(timezone.localdate()).risk_area_clean_days  # as the lift service
    out["can_lift_on"] = selectors.lift_on(d, last.day, need) if active else None
    out["residents"] = selectors.residents_inside(d).count()
    return out


@router.get("/risk-areas/{designation_id}", response={200: DesignationDetailOut, **ERR})
def get_designation(request, designation_id: int):
    require(request.user, "riskarea.view")
    d = get_visible_or_404(
        RiskDesignation.objects.select_related("area"), request.user, pk=designation_id
    )
    return _detail(d)


@router.post("/risk-areas/{designation_id}/lift", response={200: DesignationOut, **ERR})
def lift(request, designation_id: int, data: LiftIn):
    """Lift a designation; before its clean days only with a ``reason``."""
    require(request.user, "riskarea.lift")
    d = get_visible_or_404(
        RiskDesignation.objects.select_related("area"), request.user, pk=designation_id
    )
    return services.lift(d, reason=data.reason, by=request.user)
