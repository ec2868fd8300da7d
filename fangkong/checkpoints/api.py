"""The entry checkpoints API under /api/v1/checkpoints: checkpoints, shifts, the phones'
batch uploads (idempotent), the vehicles and persons checked, counts by hour and outcome."""

import datetime as dt
import uuid
from decimal import Decimal

from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from fangkong.areas.models import Area
from fangkong.checkpoints import selectors, services
from fangkong.checkpoints.choices import Outcome, VehicleKind
from fangkong.checkpoints.filters import CheckpointFilter, PersonCheckFilter, VehicleFilter
from fangkong.checkpoints.models import Checkpoint, PersonCheck, VehicleCheck
from fangkong.core.api import ErrorOut, Page, StrictSchema, filter_list
from fangkong.core.permissions import require
from fangkong.core.scoping import get_visible_or_404

router = Router(tags=["entry checkpoints"])
ERR = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class CheckpointOut(Schema):
    id: int
    name: str
    area_id: int
    location: str
    latitude: Decimal | None
    longitude: Decimal | None
    active: bool


class CheckpointIn(StrictSchema):
    name: str = Field(..., max_length=100)
    area_id: int
    location: str = Field(..., max_length=200)
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    active: bool = True


class CheckedPersonIn(Schema):
    client_uuid: str = Field(..., max_length=40)
    name: str = Field("", max_length=200)
    doc_type: str = Field("resident_id", max_length=20)
    id_number: str = Field("", max_length=40)
    phone: str = Field("", max_length=30)
    driver: bool = False
    origin_province: str = Field("", max_length=100)
    origin_city: str = Field("", max_length=100)
    origin_county: str = Field("", max_length=100)
    origin_street: str = Field("", max_length=100)
    code_colour: str = Field("", max_length=10)
    test_48h: bool = False
    itinerary_star: bool = False
    temperature: str | float | None = None
    destination_area_id: int | None = None
    address: str = Field("", max_length=300)


class CheckedVehicleIn(Schema):
    client_uuid: str = Field(..., max_length=40)
    checked_at: str = Field(..., max_length=40)
    plate: str = Field("", max_length=40)
    tractor_plate: str = Field("", max_length=40)
    kind: str = Field("", max_length=20)
    freight: bool = False
    persons: list[CheckedPersonIn] = Field(default_factory=list, max_length=200)


class InspectionUploadIn(Schema):
    vehicles: list[CheckedVehicleIn] = Field(..., max_length=1000)


class ProblemOut(Schema):
    vehicle: int
    person: int | None
    field: str
    message: str


class InspectionUploadOut(Schema):
    vehicles: int
    persons: int
    already_recorded: int
    arrivals: int
    outcomes: dict[str, str]
    errors: list[ProblemOut]


class CheckedVehicleOut(Schema):
    id: int
    checkpoint_id: int
    client_uuid: uuid.UUID
    checked_at: dt.datetime
    plate: str
    tractor_plate: str
    kind: VehicleKind
    freight: bool
    persons: int


class PersonCheckOut(Schema):
    id: int
    vehicle_id: int
    checkpoint_id: int
    checked_at: dt.datetime
    name: str
    id_number_masked: str
    driver: bool
    origin: str
    risk: str
    code_colour: str
    test_48h: bool
    itinerary_star: bool
    temperature: Decimal
    destination_id: int | None
    outcome: Outcome
    rule: str
    arrival_id: int | None


class CountsOut(Schema):
    checkpoint_id: int
    hour: int
    vehicles: int
    persons: dict[str, int]


def _cp(request, checkpoint_id: int) -> Checkpoint:
    return get_visible_or_404(
        Checkpoint, request.user, pk=checkpoint_id, error_field="checkpoint_id"
    )


@router.get("/checkpoints", response=list[CheckpointOut])
@paginate(Page)
def list_checkpoints(request, area_id: int | None = None, active: bool | None = None):
    require(request.user, "checkpoint.view")
    return filter_list(request, CheckpointFilter, {"area": area_id, "active": active}).order_by(
        "name", "pk"
    )


@router.post("/checkpoints", response={201: CheckpointOut, **ERR})
def create_checkpoint(request, data: CheckpointIn):
    require(request.user, "checkpoint.manage")
    area = get_visible_or_404(Area, request.user, pk=data.area_id, error_field="area_id")
    values = data.dict()
    values.pop("area_id")
    cp = services.create_checkpoint(services.CheckpointData(area=area, **values), by=request.user)
    return 201, cp


@router.get("/checkpoints/{checkpoint_id}", response={200: CheckpointOut, **ERR})
def get_checkpoint(request, checkpoint_id: int):
    require(request.user, "checkpoint.view")
    return _cp(request, checkpoint_id)


@router.post("/checkpoints/{checkpoint_id}/shift", response={201: dict, **ERR})
def start_shift(request, checkpoint_id: int):
    """Go on shift at this checkpoint (ends one open elsewhere)."""
    require(request.user, "checkpoint.inspect")
    shift = services.start_shift(_cp(request, checkpoint_id), by=request.user)
    return 201, {
        "id": shift.pk,
        "checkpoint_id": shift.checkpoint_id,
        "starts_at": shift.starts_at.isoformat(),
    }


@router.post(
    "/checkpoints/{checkpoint_id}/uploads",
    response={200: InspectionUploadOut, **ERR},
    url_name="checkpoint_upload",
)
def upload(request, checkpoint_id: int, data: InspectionUploadIn):
    """A phone's batch of vehicles and the persons in each. Idempotent by ``client_uuid``:
    sent twice, recorded once. Bad rows come back with vehicle index, person index, field
    and reason; the good rows are recorded; ``outcomes`` maps each recorded person's
    ``client_uuid`` to the decision table's outcome."""
    require(request.user, "checkpoint.inspect")
    cp = _cp(request, checkpoint_id)
    vehicles = [v.dict() for v in data.vehicles]
    return services.upload_batch(cp, vehicles=vehicles, by=request.user).as_dict()


class ListQuery(Schema):
    checkpoint: int | None = Field(None, description="one of your checkpoints")
    checked_from: dt.datetime | None = None
    checked_to: dt.datetime | None = None


class VehicleQuery(ListQuery):
    kind: VehicleKind | None = None
    freight: bool | None = None


class CheckedPersonQuery(ListQuery):
    outcome: Outcome | None = None
    driver: bool | None = None


@router.get("/vehicles", response=list[CheckedVehicleOut])
@paginate(Page)
def list_vehicles(request, q: Query[VehicleQuery]):
    require(request.user, "checkpoint.view")
    return filter_list(request, VehicleFilter, q, queryset=VehicleCheck.objects.all()).order_by(
        "-checked_at", "-pk"
    )


@router.get("/persons", response=list[PersonCheckOut])
@paginate(Page)
def list_persons(request, q: Query[CheckedPersonQuery]):
    require(request.user, "checkpoint.view")
    return filter_list(request, PersonCheckFilter, q, queryset=PersonCheck.objects.all()).order_by(
        "-checked_at", "-pk"
    )


@router.get("/counts", response=list[CountsOut])
def counts(request, day: dt.date | None = None):
    """Vehicles and persons by outcome, per checkpoint of your areas and local hour."""
    require(request.user, "checkpoint.view")
    rows = selectors.counts(request.user, day or timezone.localdate())
    return [
        {
            "checkpoint_id": c.checkpoint.pk,
            "hour": h.hour,
            "vehicles": h.vehicles,
            "persons": h.persons,
        }
        for c in rows
        for h in c.hours
    ]
