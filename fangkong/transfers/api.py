"""The transfers API under /api/v1/transfers: requests, vehicles, plans (run, board,
accept, edit, re-plan), trips (dispatch, pick-up, arrival), disinfection and the figures.
Scoped (another area's objects answer 404), role-checked (403), errors in the project's
one format."""

import datetime as dt
from typing import Any

from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from fangkong.areas.models import Area
from fangkong.core.actors import AuthedRequest
from fangkong.core.api import ErrorOut, Page, StrictSchema, filter_list
from fangkong.core.permissions import require
from fangkong.core.scoping import get_all_visible_or_404, get_visible_or_404
from fangkong.people.models import Person
from fangkong.transfers import filters, selectors, services
from fangkong.transfers.choices import (
    PlanStatus,
    Priority,
    RequestStatus,
    TransferKind,
    VehicleKind,
    VehicleState,
)
from fangkong.transfers.models import Depot, Plan, Stop, TransferRequest, Trip, Vehicle

router = Router(tags=["transfers"])
ERR = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class TransferRequestOut(Schema):
    id: int
    kind: str
    status: str
    priority: int
    area_id: int
    deadline: dt.datetime
    lat: float
    lon: float
    pickup_address: str
    pickup_site_id: int | None = Field(
        None, description="A positive found in an isolation site is picked up at this site"
    )
    accessible: bool
    persons: list[int]
    site_id: int | None
    room_id: int | None
    trip_id: int | None
    source: str
    source_ref: str
    cancel_reason: str
    created_at: dt.datetime
    arrived_at: dt.datetime | None

    @staticmethod
    def resolve_persons(obj: TransferRequest) -> list[int]:
        return [m.person_id for m in obj.members.all()]

    @staticmethod
    def resolve_pickup_site_id(obj: TransferRequest) -> int | None:
        return obj.site_id if obj.picks_up_at_site else None


class TransferRequestIn(StrictSchema):
    person_ids: list[int] = Field(..., min_length=1, max_length=20)
    kind: TransferKind
    priority: Priority = Priority.NORMAL
    deadline: dt.datetime | None = None
    accessible: bool = False
    reason: str = Field("", max_length=200)


class TransferCancelIn(StrictSchema):
    reason: str = Field(..., max_length=200)


class RequestQuery(Schema):
    status: RequestStatus | None = None
    kind: TransferKind | None = None
    area: int | None = None
    overdue: bool | None = None


@router.get(
    "/requests", response=list[TransferRequestOut], summary="Transfer requests in your areas"
)
@paginate(Page)
def list_requests(request: AuthedRequest, query: Query[RequestQuery]):
    require(request.user, "transfer.view")
    qs = selectors.requests(request.user).prefetch_related("members")
    return filter_list(request, filters.RequestFilter, query, queryset=qs).order_by(
        "deadline", "pk"
    )


@router.post("/requests", response={200: TransferRequestOut, **ERR}, summary="Ask for a transfer")
def create_request(request: AuthedRequest, payload: TransferRequestIn):
    require(request.user, "transfer.request")
    persons = get_all_visible_or_404(
        Person, request.user, payload.person_ids, error_field="person_ids"
    )
    return services.request_transfer(
        persons, payload.kind, by=request.user, priority=payload.priority,
        deadline=payload.deadline, accessible=payload.accessible, reason=payload.reason,
        source="api",
    )  # fmt: skip


class FromSourceIn(StrictSchema):
    priority: Priority = Priority.NORMAL


def _ask_from(request: AuthedRequest, source: Any, pk: int, field: str, ask: Any, priority: int):
    """Ask for the transfer of the row ``pk`` of a neighbour (``ask``: a links service)."""
    require(request.user, "transfer.request")
    obj = get_visible_or_404(source, request.user, pk=pk, error_field=field)
    return ask(obj, by=request.user, priority=priority)


@router.post(
    "/requests/from-placement/{assessment_id}",
    response={200: TransferRequestOut, **ERR},
    summary="Transfer a household on the placement queue",
)
def request_from_placement(request: AuthedRequest, assessment_id: int, payload: FromSourceIn):
    """The household of a failed eligibility check, taken off home isolation's placement
    queue; asking again returns the same request (409 when it is not awaiting placement)."""
    from fangkong.home_isolation.models import EligibilityAssessment

    return _ask_from(
        request,
        EligibilityAssessment,
        assessment_id,
        "assessment_id",
        services.request_for_placement,
        payload.priority,
    )


@router.post(
    "/requests/from-contact/{contact_id}",
    response={200: TransferRequestOut, **ERR},
    summary="Transfer a close contact to centralized isolation",
)
def request_from_contact(request: AuthedRequest, contact_id: int, payload: FromSourceIn):
    """422 for a contact of a close contact (次密接) or one already in a site."""
    from fangkong.cases.models import Contact

    return _ask_from(
        request,
        Contact.objects.select_related("person__household__area"),
        contact_id,
        "contact_id",
        services.request_for_contact,
        payload.priority,
    )


@router.post(
    "/requests/from-case/{case_id}",
    response={200: TransferRequestOut, **ERR},
    summary="Transfer a case to the designated hospital",
)
def request_from_case(request: AuthedRequest, case_id: int, payload: FromSourceIn):
    """409 when the case's transfer is recorded already."""
    from fangkong.cases.models import Case

    return _ask_from(
        request,
        Case.objects.select_related("person__household__area"),
        case_id,
        "case_id",
        services.request_for_case,
        payload.priority,
    )


@router.get("/requests/{request_id}", response={200: TransferRequestOut, 404: ErrorOut})
def get_request(request: AuthedRequest, request_id: int):
    require(request.user, "transfer.view")
    return get_visible_or_404(
        TransferRequest, request.user, pk=request_id, error_field="request_id"
    )


@router.post("/requests/{request_id}/cancel", response={200: TransferRequestOut, **ERR})
def cancel_request(request: AuthedRequest, request_id: int, payload: TransferCancelIn):
    require(request.user, "transfer.dispatch")
    req = get_visible_or_404(TransferRequest, request.user, pk=request_id, error_field="request_id")
    return services.cancel_request(req, by=request.user, reason=payload.reason)


class FleetVehicleOut(Schema):
    id: int
    plate: str
    kind: str
    seats: int
    depot_id: int
    state: str
    shift_hours: int


class FleetVehicleIn(StrictSchema):
    plate: str = Field(..., max_length=16)
    kind: VehicleKind
    seats: int = Field(..., ge=1, le=60)
    depot_id: int
    shift_hours: int = Field(10, ge=1, le=24)


class TransferReasonIn(StrictSchema):
    reason: str = Field("", max_length=200)


@router.get("/vehicles", response=list[FleetVehicleOut], summary="The fleet")
@paginate(Page)
def list_vehicles(
    request: AuthedRequest, state: VehicleState | None = None, kind: VehicleKind | None = None
):
    require(request.user, "transfer.view")
    qs = Vehicle.objects.visible_to(request.user)
    return filter_list(request, filters.VehicleFilter, {"state": state, "kind": kind}, queryset=qs)


@router.post("/vehicles", response={200: FleetVehicleOut, **ERR}, summary="Add a vehicle")
def create_vehicle(request: AuthedRequest, payload: FleetVehicleIn):
    require(request.user, "fleet.manage")
    depot = get_visible_or_404(Depot, request.user, pk=payload.depot_id, error_field="depot_id")
    return services.create_vehicle(
        plate=payload.plate, kind=payload.kind, seats=payload.seats, depot=depot,
        shift_hours=payload.shift_hours, by=request.user,
    )  # fmt: skip


def _vehicle(request: AuthedRequest, vehicle_id: int) -> Vehicle:
    return get_visible_or_404(
        Vehicle.objects.select_related("depot__area"), request.user, pk=vehicle_id,
        error_field="vehicle_id",
    )  # fmt: skip


@router.get("/vehicles/{vehicle_id}", response={200: FleetVehicleOut, 404: ErrorOut})
def get_vehicle(request: AuthedRequest, vehicle_id: int):
    require(request.user, "transfer.view")
    return _vehicle(request, vehicle_id)


@router.post("/vehicles/{vehicle_id}/disinfected", response={200: FleetVehicleOut, **ERR})
def disinfected(request: AuthedRequest, vehicle_id: int, payload: TransferReasonIn):
    return services.record_disinfection(
        _vehicle(request, vehicle_id), by=request.user, note=payload.reason
    )


@router.post("/vehicles/{vehicle_id}/out-of-service", response={200: FleetVehicleOut, **ERR})
def out_of_service(request: AuthedRequest, vehicle_id: int, payload: TransferReasonIn):
    return services.set_vehicle_out_of_service(
        _vehicle(request, vehicle_id), by=request.user, reason=payload.reason
    )


class StopOut(Schema):
    id: int
    seq: int
    request_id: int
    room_id: int | None
    eta: dt.datetime
    persons: int


class TripOut(Schema):
    id: int
    plan_id: int
    vehicle_id: int
    plate: str = Field(..., alias="vehicle.plate")
    seq: int
    status: str
    positive: bool
    site_id: int | None
    hospital_id: int | None
    start_at: dt.datetime
    end_at: dt.datetime
    locked: bool
    seats_used: int
    stops: list[StopOut]

    @staticmethod
    def resolve_stops(obj: Trip) -> list[Stop]:
        return sorted(obj.stops.all(), key=lambda s: s.seq)

    @staticmethod
    def resolve_seats_used(obj: Trip) -> int:
        return sum(s.persons for s in obj.stops.all())


class PlanOut(Schema):
    id: int
    area_id: int
    status: str
    start_at: dt.datetime
    finished_at: dt.datetime | None
    summary: dict


class PlanIn(StrictSchema):
    area_id: int
    background: bool = True


class StopMoveIn(StrictSchema):
    stop_id: int
    to_trip_id: int
    position: int = Field(1, ge=1, le=100)


class LockIn(StrictSchema):
    locked: bool = True


def _plan(request: AuthedRequest, plan_id: int) -> Plan:
    return get_visible_or_404(
        Plan.objects.select_related("area"), request.user, pk=plan_id, error_field="plan_id"
    )


def _trip(request: AuthedRequest, trip_id: int) -> Trip:
    return get_visible_or_404(
        Trip.objects.select_related("vehicle__depot__area", "plan__area", "area")
        .prefetch_related("stops"),
        request.user, pk=trip_id, error_field="trip_id",
    )  # fmt: skip


@router.get("/plans", response=list[PlanOut], summary="Plans, newest first")
@paginate(Page)
def list_plans(request: AuthedRequest, status: PlanStatus | None = None):
    require(request.user, "transfer.view")
    qs = Plan.objects.visible_to(request.user)
    return filter_list(request, filters.PlanFilter, {"status": status}, queryset=qs)


@router.post("/plans", response={200: PlanOut, **ERR}, summary="Plan the open requests of an area")
def run_plan(request: AuthedRequest, payload: PlanIn):
    require(request.user, "transfer.dispatch")
    area = get_visible_or_404(Area, request.user, pk=payload.area_id, error_field="area_id")
    return services.run_plan(area, by=request.user, background=payload.background)


@router.get("/plans/{plan_id}", response={200: PlanOut, 404: ErrorOut})
def get_plan(request: AuthedRequest, plan_id: int):
    require(request.user, "transfer.view")
    return _plan(request, plan_id)


@router.get(
    "/plans/{plan_id}/trips", response={200: list[TripOut], 404: ErrorOut}, summary="The board"
)
def plan_trips(request: AuthedRequest, plan_id: int):
    require(request.user, "transfer.view")
    plan = _plan(request, plan_id)
    return list(
        plan.trips.select_related("vehicle")
        .prefetch_related("stops")
        .order_by("vehicle__plate", "seq")
    )


@router.post("/plans/{plan_id}/accept", response={200: PlanOut, **ERR})
def accept(request: AuthedRequest, plan_id: int):
    return services.accept_plan(_plan(request, plan_id), by=request.user)


@router.post("/plans/{plan_id}/replan", response={200: PlanOut, **ERR})
def replan(request: AuthedRequest, plan_id: int, background: bool = True):
    plan = _plan(request, plan_id)
    return services.run_plan(plan.area, by=request.user, replaces=plan, background=background)


@router.post("/plans/{plan_id}/move", response={200: TripOut, **ERR}, summary="Move a stop")
def move(request: AuthedRequest, plan_id: int, payload: StopMoveIn):
    plan = _plan(request, plan_id)
    stop = get_visible_or_404(
        Stop.objects.filter(trip__plan=plan).select_related("trip__plan__area"),
        request.user, pk=payload.stop_id, error_field="stop_id",
    )  # fmt: skip
    to_trip = get_visible_or_404(
        plan.trips.select_related("vehicle"), request.user, pk=payload.to_trip_id,
        error_field="to_trip_id",
    )  # fmt: skip
    services.move_stop(stop, to_trip=to_trip, position=payload.position, by=request.user)
    return _trip(request, to_trip.pk)


@router.get("/trips/{trip_id}", response={200: TripOut, 404: ErrorOut})
def get_trip(request: AuthedRequest, trip_id: int):
    require(request.user, "transfer.view")
    return _trip(request, trip_id)


@router.post("/trips/{trip_id}/lock", response={200: TripOut, **ERR})
def lock(request: AuthedRequest, trip_id: int, payload: LockIn):
    services.lock_trip(_trip(request, trip_id), locked=payload.locked, by=request.user)
    return _trip(request, trip_id)


@router.post("/trips/{trip_id}/dispatch", response={200: TripOut, **ERR})
def dispatch(request: AuthedRequest, trip_id: int):
    services.dispatch_trip(_trip(request, trip_id), by=request.user)
    return _trip(request, trip_id)


class PickUpIn(StrictSchema):
    person_id: int | None = None
    code: int | None = Field(None, description="the code on the person's transfer ticket")


class PickedOut(Schema):
    person_id: int
    request_id: int
    picked_up_at: dt.datetime | None


@router.post(
    "/trips/{trip_id}/pick-up", response={200: PickedOut, **ERR}, summary="Tick or scan one person"
)
def pick_up(request: AuthedRequest, trip_id: int, payload: PickUpIn):
    trip = _trip(request, trip_id)
    person = None
    if payload.person_id is not None:
        person = get_visible_or_404(
            Person, request.user, pk=payload.person_id, error_field="person_id"
        )
    return services.pick_up(trip, person=person, member=payload.code, by=request.user)


@router.post("/trips/{trip_id}/arrive", response={200: TripOut, **ERR}, summary="Hand over")
def arrive(request: AuthedRequest, trip_id: int):
    services.arrive(_trip(request, trip_id), by=request.user)
    return _trip(request, trip_id)


class FiguresOut(Schema):
    by_kind: dict
    p50: float | None
    p90: float | None
    arrived: int
    vehicles: dict
    trips_done: int


@router.get("/figures", response=FiguresOut, summary="Open/overdue by kind, p50/p90, vehicles")
def figures(request: AuthedRequest, day: dt.date | None = None):
    require(request.user, "transfer.view")
    return selectors.figures_data(request.user, day or timezone.localdate())
