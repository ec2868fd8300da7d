"""The isolation-site API under /api/v1/sites: sites, rooms, capacity, check-in, moves,
release, due and overstay lists, turnover steps and the board. Scoped (another area's
objects answer 404), role-checked (403), errors in the project's one format."""

import datetime as dt

from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from fangkong.areas.models import Area
from fangkong.core.actors import AuthedRequest
from fangkong.core.api import ErrorOut, Page, StrictSchema, filter_list
from fangkong.core.permissions import require
from fangkong.core.scoping import get_all_visible_or_404, get_visible_or_404
from fangkong.people.models import Person
from fangkong.policy.choices import Reason
from fangkong.sites import filters, selectors, services
from fangkong.sites.choices import RoomState, SiteKind, SiteStatus, StayStatus, TurnoverStepKind
from fangkong.sites.models import IsolationSite, Room, Stay

router = Router(tags=["sites"])
ERR = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# --- schemas ----------------------------------------------------------------------------


class SiteOut(Schema):
    id: int
    name: str
    kind: str
    address: str
    area_id: int
    area_name: str = Field(..., alias="area.name")
    manager_name: str
    manager_phone_masked: str
    contacts: str
    status: str
    ready_date: dt.date | None
    planned_beds: int
    turnover_target_hours: int


class SiteIn(StrictSchema):
    name: str = Field(..., max_length=100)
    kind: SiteKind
    address: str = Field(..., max_length=200)
    area_id: int
    manager_name: str = Field("", max_length=60)
    manager_phone: str = Field("", max_length=20)
    contacts: str = Field("", max_length=2000)
    status: SiteStatus = SiteStatus.ACTIVE
    ready_date: dt.date | None = None
    planned_beds: int = Field(0, ge=0, le=100000)
    turnover_target_hours: int = 4
    notes: str = Field("", max_length=2000)


class RoomOut(Schema):
    id: int
    site_id: int
    number: str
    floor: int
    beds: int
    own_bathroom: bool
    accessible: bool
    state: str
    vacated_at: dt.datetime | None
    last_step: str
    next_step: str | None

    @staticmethod
    def resolve_next_step(obj: Room) -> str | None:
        return services.next_step(obj)


class RoomIn(StrictSchema):
    number: str = Field(..., max_length=16)
    floor: int
    beds: int = 1
    own_bathroom: bool = True
    accessible: bool = False


class BulkRoomsIn(StrictSchema):
    first_floor: int = 1
    floors: int
    rooms_per_floor: int
    first_number: int = 1
    beds: int = 1
    own_bathroom: bool = True
    accessible: bool = False


class BulkRoomsOut(Schema):
    created: int
    first: str
    last: str


class RoomStateIn(StrictSchema):
    state: RoomState
    reason: str = Field("", max_length=200)


class StayOut(Schema):
    id: int
    person_id: int
    person_name: str = Field(..., alias="person.name")
    site_id: int
    room_id: int
    room_number: str = Field(..., alias="room.number")
    status: str
    check_in_at: dt.datetime
    check_out_at: dt.datetime | None
    reason: str
    minor_unaccompanied: bool
    elderly: bool
    phase_id: int | None
    planned_end_date: dt.date | None
    due_flag: str
    overstay_reason: str
    home_check: str | None = Field(
        None,
        description="After a release into home isolation: eligible, pending (the village must "
        "still check the home) or placement (the home failed: centralized placement queue).",
    )
    home_check_text: str = Field("", description="The same, said in the user's language.")

    @staticmethod
    def resolve_planned_end_date(obj: Stay) -> dt.date | None:
        return phase.planned_end_date if (phase := obj.phase) is not None else None

    @staticmethod
    def resolve_home_check(obj: Stay) -> str | None:
        return getattr(getattr(obj, "home_check", None), "state", None)

    @staticmethod
    def resolve_home_check_text(obj: Stay) -> str:
        check = getattr(obj, "home_check", None)
        return str(check) if check is not None else ""


class CheckInIn(StrictSchema):
    person_ids: list[int] = Field(..., min_length=1, max_length=20)
    # asked, never assumed (as the room page asks); the service refuses an unknown one
    reason: str = Field(
        ...,
        max_length=40,
        description="Why they are put under control: one of " + ", ".join(Reason.values),
    )


class MoveIn(StrictSchema):
    to_room_id: int
    reason: str = Field(..., max_length=200)


class ReleaseIn(StrictSchema):
    early_reason: str = Field("", max_length=200)


class BatchReleaseIn(StrictSchema):
    stay_ids: list[int] = Field(..., min_length=1, max_length=2000)
    early_reason: str = Field("", max_length=200)


class OverstayIn(StrictSchema):
    reason: str = Field(..., max_length=300)


class StepIn(StrictSchema):
    step: TurnoverStepKind
    note: str = Field("", max_length=200)


class StepOut(Schema):
    id: int
    room_id: int
    step: str
    at: dt.datetime
    note: str
    turnaround_seconds: int | None
    room_state: str = Field(..., alias="room.state")


class InflowDay(Schema):
    day: dt.date
    check_ins: int


class CapacityOut(Schema):
    site_id: int | None
    site_name: str
    rooms: int
    beds: int
    ready: int
    reserved: int
    occupied: int
    turnover: int
    out_of_service: int
    persons: int
    planned: int
    ready_date: dt.date | None
    reserve_ready: int
    inflow: list[InflowDay]
    inflow_per_day: float
    days_until_full: float | None


class CapacityReportOut(Schema):
    total: CapacityOut
    sites: list[CapacityOut]


class BoardGroup(Schema):
    state: str
    rooms: list[RoomOut]


class SiteTurnaroundOut(Schema):  # not TurnaroundOut: testing has one
    key: int
    count: int
    median_minutes: float | None
    p90_minutes: float | None


class OverdueRoomOut(Schema):
    id: int
    site_id: int
    number: str
    state: str
    vacated_at: dt.datetime
    overdue_minutes: int


# --- helpers ----------------------------------------------------------------------------


def _site(request: AuthedRequest, site_id: int) -> IsolationSite:
    return get_visible_or_404(selectors.sites_for(request.user), request.user, pk=site_id)


def _room(request: AuthedRequest, room_id: int) -> Room:
    rooms = selectors.rooms_for(request.user).select_related("site__area")
    return get_visible_or_404(rooms, request.user, pk=room_id)


def _stay(request: AuthedRequest, stay_id: int) -> Stay:
    stays = selectors.stays_for(request.user).select_related("site__area")
    return get_visible_or_404(stays, request.user, pk=stay_id)


def _site_data(request: AuthedRequest, payload: SiteIn) -> services.SiteData:
    area = get_visible_or_404(Area, request.user, pk=payload.area_id, error_field="area_id")
    return services.SiteData(
        name=payload.name,
        kind=payload.kind,
        address=payload.address,
        area=area,
        manager_name=payload.manager_name,
        manager_phone=payload.manager_phone,
        contacts=payload.contacts,
        status=payload.status,
        ready_date=payload.ready_date,
        planned_beds=payload.planned_beds,
        turnover_target_hours=payload.turnover_target_hours,
        notes=payload.notes,
    )


def _capacity_out(cap: selectors.Capacity) -> dict:
    return {
        "site_id": cap.site.pk if cap.site else None,
        "site_name": cap.site.name if cap.site else "",
        **{
            k: getattr(cap, k)
            for k in (
                "rooms",
                "beds",
                "ready",
                "reserved",
                "occupied",
                "turnover",
                "out_of_service",
                "persons",
                "planned",
                "ready_date",
                "reserve_ready",
                "inflow_per_day",
                "days_until_full",
            )
        },
        "inflow": [{"day": d, "check_ins": n} for d, n in cap.inflow],
    }


# --- capacity, lists across sites (static paths before /{site_id}) ----------------------


@router.get("/capacity", response=CapacityReportOut, summary="Capacity of your sites and in total")
def capacity(request: AuthedRequest):
    require(request.user, "capacity.view")
    report = selectors.capacity(request.user)
    return {"total": _capacity_out(report.total), "sites": [_capacity_out(c) for c in report.sites]}


class DueQuery(Schema):
    site: int | None = Field(None, description="one of your sites")
    on: dt.date | None = None


@router.get("/due", response=list[StayOut], summary="Releases due today and tomorrow")
@paginate(Page)
def due(request: AuthedRequest, query: Query[DueQuery]):
    require(request.user, "site.view")
    due = selectors.due_stays(request.user, on=query.on)
    return filter_list(request, filters.StayFilter, {"site": query.site}, queryset=due)


@router.get("/overstays", response=list[StayOut], summary="Stays past their planned end")
@paginate(Page)
def overstays(request: AuthedRequest, query: Query[DueQuery]):
    require(request.user, "site.view")
    late = selectors.overstays(request.user, on=query.on)
    return filter_list(request, filters.StayFilter, {"site": query.site}, queryset=late)


@router.get("/turnover/overdue", response=list[OverdueRoomOut], summary="Turnovers past target")
def overdue_turnovers(request: AuthedRequest, site: int | None = None):
    require(request.user, "site.view")
    s = _site(request, site) if site else None
    return selectors.overdue_turnovers(request.user, site=s)


class StayQuery(Schema):
    site: int | None = Field(None, description="one of your sites")
    status: StayStatus | None = None


@router.get("/stays", response=list[StayOut], summary="Stays at your sites")
@paginate(Page)
def list_stays(request: AuthedRequest, query: Query[StayQuery]):
    require(request.user, "site.view")
    stays = selectors.stays_for(request.user)
    return filter_list(request, filters.StayFilter, query, queryset=stays).order_by(
        "-check_in_at", "-pk"
    )


@router.get("/stays/{stay_id}", response={200: StayOut, 404: ErrorOut})
def get_stay(request: AuthedRequest, stay_id: int):
    require(request.user, "site.view")
    return _stay(request, stay_id)


@router.post("/stays/{stay_id}/move", response={200: list[StayOut], **ERR}, summary="Move rooms")
def move(request: AuthedRequest, stay_id: int, payload: MoveIn):
    require(request.user, "stay.manage")
    stay = _stay(request, stay_id)
    to_room = get_visible_or_404(
        selectors.rooms_for(request.user), request.user, pk=payload.to_room_id,
        error_field="to_room_id",
    )  # fmt: skip
    return services.move(stay, to_room, by=request.user, reason=payload.reason)


@router.post("/stays/{stay_id}/release", response={200: StayOut, **ERR}, summary="Release one")
def release(request: AuthedRequest, stay_id: int, payload: ReleaseIn):
    require(request.user, "stay.manage")
    stay = _stay(request, stay_id)
    return services.release(stay, by=request.user, early_reason=payload.early_reason)


@router.post("/releases", response={200: list[StayOut], **ERR}, summary="Release a batch")
def release_batch(request: AuthedRequest, payload: BatchReleaseIn):
    require(request.user, "stay.manage")
    stays = get_all_visible_or_404(
        selectors.stays_for(request.user), request.user, payload.stay_ids, error_field="stay_ids"
    )
    return services.release_batch(stays, by=request.user, early_reason=payload.early_reason)


@router.post("/stays/{stay_id}/overstay-reason", response={200: StayOut, **ERR})
def overstay_reason(request: AuthedRequest, stay_id: int, payload: OverstayIn):
    require(request.user, "stay.manage")
    stay = _stay(request, stay_id)
    services.record_overstay_reason(stay, by=request.user, reason=payload.reason)
    return _stay(request, stay_id)


# --- rooms ------------------------------------------------------------------------------


@router.get("/rooms/{room_id}", response={200: RoomOut, 404: ErrorOut})
def get_room(request: AuthedRequest, room_id: int):
    require(request.user, "site.view")
    return _room(request, room_id)


@router.post("/rooms/{room_id}/state", response={200: RoomOut, **ERR}, summary="Reserve etc.")
def room_state(request: AuthedRequest, room_id: int, payload: RoomStateIn):
    require(request.user, "site.manage")
    room = _room(request, room_id)
    return services.set_room_state(room, payload.state, by=request.user, reason=payload.reason)


@router.post("/rooms/{room_id}/check-in", response={201: list[StayOut], **ERR})
def check_in(request: AuthedRequest, room_id: int, payload: CheckInIn):
    require(request.user, "stay.manage")
    room = _room(request, room_id)
    persons = get_all_visible_or_404(
        Person.objects.select_related("area"), request.user, payload.person_ids,
        error_field="person_ids",
    )  # fmt: skip
    stays = services.check_in(room, persons, by=request.user, reason=payload.reason)
    return Status(201, stays)


@router.post("/rooms/{room_id}/turnover", response={201: StepOut, **ERR}, summary="Turnover step")
def turnover_step(request: AuthedRequest, room_id: int, payload: StepIn):
    require(request.user, "room.turnover")
    room = _room(request, room_id)
    return Status(201, services.record_step(room, payload.step, by=request.user, note=payload.note))


# --- sites ------------------------------------------------------------------------------


class SiteQuery(Schema):
    status: SiteStatus | None = None
    area: int | None = Field(None, description="only this area (one of yours) and below")


@router.get("", response=list[SiteOut], summary="Isolation sites in your areas")
@paginate(Page)
def list_sites(request: AuthedRequest, query: Query[SiteQuery]):
    require(request.user, "site.view")
    sites = selectors.sites_for(request.user)
    return filter_list(request, filters.SiteFilter, query, queryset=sites).order_by("name", "pk")


@router.post("", response={201: SiteOut, **ERR}, summary="Register an isolation site")
def create_site(request: AuthedRequest, payload: SiteIn):
    require(request.user, "site.manage")
    return Status(201, services.create_site(by=request.user, data=_site_data(request, payload)))


@router.get("/{site_id}", response={200: SiteOut, 404: ErrorOut})
def get_site(request: AuthedRequest, site_id: int):
    require(request.user, "site.view")
    return _site(request, site_id)


@router.put("/{site_id}", response={200: SiteOut, **ERR})
def update_site(request: AuthedRequest, site_id: int, payload: SiteIn):
    require(request.user, "site.manage")
    site = _site(request, site_id)
    return services.update_site(site, by=request.user, data=_site_data(request, payload))


@router.get("/{site_id}/rooms", response={200: list[RoomOut], 404: ErrorOut})
def list_rooms(request: AuthedRequest, site_id: int, state: RoomState | None = None):
    require(request.user, "site.view")
    site = _site(request, site_id)
    rooms = Room.objects.filter(site=site)
    qs = filter_list(request, filters.RoomFilter, {"state": state}, queryset=rooms)
    return qs.order_by("floor", "number")


@router.post("/{site_id}/rooms", response={201: RoomOut, **ERR})
def create_room(request: AuthedRequest, site_id: int, payload: RoomIn):
    require(request.user, "site.manage")
    site = _site(request, site_id)
    return Status(201, services.create_room(site, by=request.user, **payload.model_dump()))


@router.post("/{site_id}/rooms/bulk", response={201: BulkRoomsOut, **ERR}, summary="Floors × rooms")
def bulk_rooms(request: AuthedRequest, site_id: int, payload: BulkRoomsIn):
    require(request.user, "site.manage")
    site = _site(request, site_id)
    rooms = services.bulk_create_rooms(site, by=request.user, **payload.model_dump())
    return Status(201, {"created": len(rooms), "first": rooms[0].number, "last": rooms[-1].number})


@router.get("/{site_id}/capacity", response={200: CapacityOut, 404: ErrorOut})
def site_capacity(request: AuthedRequest, site_id: int):
    require(request.user, "capacity.view")
    site = _site(request, site_id)
    report = selectors.capacity(request.user, site=site)
    return _capacity_out(report.sites[0]) if report.sites else _capacity_out(report.total)


@router.get("/{site_id}/board", response={200: list[BoardGroup], 404: ErrorOut})
def board(request: AuthedRequest, site_id: int):
    require(request.user, "site.view")
    site = _site(request, site_id)
    return [{"state": s, "rooms": rooms} for s, rooms in selectors.board(site)]


@router.get("/{site_id}/turnaround", response={200: list[SiteTurnaroundOut], 404: ErrorOut})
def turnaround(request: AuthedRequest, site_id: int, by_room: bool = False, days: int = 30):
    require(request.user, "site.view")
    site = _site(request, site_id)
    stats = selectors.turnaround(
        request.user, site=site, by_room=by_room, days=max(1, min(days, 365))
    )
    return [{"key": k, **vars(v)} for k, v in sorted(stats.items())]
