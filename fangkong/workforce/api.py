"""The essential workers and rosters API under /api/v1/workforce: sectors, employers,
whitelist uploads, workers and their compliance, the work pass check, staff pools,
rosters (solve, publish, absences). Scoped (another area's or employer's objects answer
404), role-checked (403), errors in the project's one format."""

import datetime as dt

from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from fangkong.areas.models import Area
from fangkong.core.actors import AuthedRequest
from fangkong.core.api import ErrorOut, Page, StrictSchema, filter_list
from fangkong.core.permissions import require
from fangkong.core.scoping import get_visible_or_404
from fangkong.core.uploads import read_upload
from fangkong.workforce import filters, selectors, services
from fangkong.workforce.choices import AbsenceKind, LoopState, PoolKind
from fangkong.workforce.models import (
    Employer,
    Roster,
    Sector,
    StaffMember,
    StaffPool,
    WhitelistImport,
    Worker,
)
from fangkong.workforce.services import whitelist

router = Router(tags=["essential workers and rosters"])
ERR = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class SectorOut(Schema):
    id: int
    code: str
    name: str
    test_interval_days: int
    high_risk: bool


class SectorIn(StrictSchema):
    test_interval_days: int


class EmployerOut(Schema):
    id: int
    name: str
    code: str
    sector_id: int
    area_id: int
    contact_name: str


class EmployerIn(StrictSchema):
    name: str = Field(..., max_length=100)
    code: str = Field(..., max_length=18)
    sector_id: int
    area_id: int
    contact_name: str = Field("", max_length=60)
    contact_phone: str = Field("", max_length=20)


class WorkerOut(Schema):
    id: int
    person_id: int
    name: str = Field(..., alias="person.name")
    employer_id: int
    sector_id: int
    area_id: int
    post: str
    active: bool
    loop_state: str
    loop_place: str
    loop_since: dt.datetime | None
    last_sampled_at: dt.datetime | None
    last_result: str
    last_result_at: dt.datetime | None
    next_due_on: dt.date | None


class WorkerIn(StrictSchema):
    name: str = Field(..., max_length=60)
    id_number: str = Field(..., max_length=40)
    phone: str = Field("", max_length=20)
    post: str = Field("", max_length=60)
    in_loop: bool = False
    loop_place: str = Field("", max_length=100)


class LoopIn(StrictSchema):
    action: str = Field(..., pattern="^(enter|leave|remove)$")
    place: str = Field("", max_length=100)
    reason: str = Field("", max_length=200)


class WhitelistImportOut(Schema):
    id: int
    employer_id: int
    filename: str
    status: str
    mode: str
    total_rows: int
    processed_rows: int
    error_count: int
    created_count: int
    matched_count: int
    persons_created: int
    message: str


class WhitelistRowErrorOut(Schema):
    row: int
    field: str
    message: str


class SummaryOut(Schema):
    key: str
    label: str
    workers: int
    due_today: int
    overdue: int
    pass_valid: int
    percent: float | None


class SummaryQuery(Schema):
    by: str = Field("sector", pattern="^(sector|employer|township)$")


class PassCheckIn(StrictSchema):
    code: str = Field(..., max_length=60)


class PassCheckOut(Schema):
    verdict: str
    label: str
    valid: bool
    name: str
    employer: str
    sector: str
    last_sampled_at: dt.datetime | None
    last_result: str
    next_due_on: dt.date | None


class WorkerQuery(Schema):
    sector: int | None = None
    employer: int | None = None
    area: int | None = None
    loop_state: LoopState | None = None
    only: str | None = Field(None, pattern="^(overdue|due)$")


# --- sectors and employers ---------------------------------------------------------------


@router.get("/sectors", response=list[SectorOut], summary="Sectors and their test frequency")
def list_sectors(request: AuthedRequest):
    require(request.user, "worker.view")
    return Sector.objects.filter(active=True)


@router.patch(
    "/sectors/{sector_id}", response={200: SectorOut, **ERR}, summary="Set a test frequency"
)
def set_sector(request: AuthedRequest, sector_id: int, payload: SectorIn):
    require(request.user, "sector.manage")
    sector = get_visible_or_404(Sector, request.user, pk=sector_id, error_field="sector_id")
    return services.set_sector_interval(sector, by=request.user, days=payload.test_interval_days)


@router.get("/employers", response=list[EmployerOut], summary="Employers of essential workers")
@paginate(Page)
def list_employers(request: AuthedRequest):
    require(request.user, "worker.view")
    return Employer.objects.visible_to(request.user).order_by("name", "pk")


@router.post("/employers", response={201: EmployerOut, **ERR}, summary="Register an employer")
def create_employer(request: AuthedRequest, payload: EmployerIn):
    require(request.user, "employer.manage")
    area = get_visible_or_404(Area, request.user, pk=payload.area_id, error_field="area_id")
    sector = get_visible_or_404(Sector, request.user, pk=payload.sector_id, error_field="sector_id")
    data = services.EmployerData(
        name=payload.name, code=payload.code, sector=sector, area=area,
        contact_name=payload.contact_name, contact_phone=payload.contact_phone,
    )  # fmt: skip
    return Status(201, services.create_employer(by=request.user, data=data))


def _employer(request: AuthedRequest, employer_id: int) -> Employer:
    return get_visible_or_404(Employer, request.user, pk=employer_id, error_field="employer_id")


@router.get("/employers/{employer_id}", response={200: EmployerOut, 404: ErrorOut})
def get_employer(request: AuthedRequest, employer_id: int):
    require(request.user, "worker.view")
    return _employer(request, employer_id)


@router.post("/employers/{employer_id}/workers", response={201: WorkerOut, 200: WorkerOut, **ERR},
             summary="Put a person on the employer's whitelist (201; 200 when already on it)")  # fmt: skip
def add_worker(request: AuthedRequest, employer_id: int, payload: WorkerIn):
    require(request.user, "worker.manage")
    worker, created = services.add_worker(
        _employer(request, employer_id), by=request.user, **payload.model_dump()
    )
    return Status(201 if created else 200, worker)


@router.post("/employers/{employer_id}/whitelist", response={201: WhitelistImportOut, **ERR},
             summary="Upload the employer's whitelist (.xlsx), imported in the background")  # fmt: skip
def upload_whitelist(
    request: AuthedRequest,
    employer_id: int,
    file: File[UploadedFile],
    mode: Form[WhitelistImport.Mode] = WhitelistImport.Mode.ALL_OR_NOTHING,
):
    require(request.user, "worker.manage")
    job = services.start_whitelist_import(
        _employer(request, employer_id), by=request.user, filename=file.name or "",
        content=read_upload(file, max_bytes=whitelist.MAX_BYTES), mode=mode,
    )  # fmt: skip
    return Status(201, job)


@router.get(
    "/imports/{job_id}",
    response={200: WhitelistImportOut, 404: ErrorOut},
    summary="An upload's progress",
)
def get_import(request: AuthedRequest, job_id: int):
    require(request.user, "worker.manage")
    return get_visible_or_404(whitelist.import_jobs_for(request.user), request.user, pk=job_id,
                              error_field="job_id")  # fmt: skip


@router.get(
    "/imports/{job_id}/errors", response=list[WhitelistRowErrorOut], summary="An upload's bad rows"
)
@paginate(Page)
def import_errors(request: AuthedRequest, job_id: int):
    require(request.user, "worker.manage")
    job = get_visible_or_404(whitelist.import_jobs_for(request.user), request.user, pk=job_id,
                             error_field="job_id")  # fmt: skip
    return job.row_errors.all()


# --- workers and compliance -------------------------------------------------------------


@router.get(
    "/workers", response=list[WorkerOut], summary="Workers with their last sample and result"
)
@paginate(Page)
def list_workers(request: AuthedRequest, query: Query[WorkerQuery]):
    """Most overdue first; `only=overdue` or `only=due` (due today)."""
    require(request.user, "worker.view")
    qs = selectors.workers_for(request.user).select_related("person")
    return filter_list(request, filters.WorkerFilter, query, queryset=qs).order_by(
        "next_due_on", "pk"
    )


@router.get("/workers/{worker_id}", response={200: WorkerOut, 404: ErrorOut})
def get_worker(request: AuthedRequest, worker_id: int):
    require(request.user, "worker.view")
    return get_visible_or_404(Worker.objects.select_related("person"), request.user, pk=worker_id,
                              error_field="worker_id")  # fmt: skip


@router.post("/workers/{worker_id}/loop", response={200: WorkerOut, **ERR},
             summary="Enter or leave the closed loop (leaving starts the monitoring), or remove")  # fmt: skip
def worker_loop(request: AuthedRequest, worker_id: int, payload: LoopIn):
    require(request.user, "worker.view")
    w = get_visible_or_404(Worker.objects.select_related("person", "employer"), request.user,
                           pk=worker_id, error_field="worker_id")  # fmt: skip
    if payload.action == "enter":
        return services.enter_loop(w, by=request.user, place=payload.place)
    if payload.action == "leave":
        return services.leave_loop(w, by=request.user)
    return services.remove_worker(w, by=request.user, reason=payload.reason)


@router.get(
    "/compliance",
    response=list[SummaryOut],
    summary="Due and overdue per sector, employer or township",
)
def compliance(request: AuthedRequest, query: Query[SummaryQuery]):
    require(request.user, "worker.view")
    return [
        {"key": str(r.key), "label": r.label, "workers": r.workers, "due_today": r.due_today,
         "overdue": r.overdue, "pass_valid": r.pass_valid, "percent": r.percent}
        for r in selectors.compliance_by(request.user, query.by)
    ]  # fmt: skip


@router.post(
    "/work-pass/verify", response={200: PassCheckOut, **ERR}, summary="Check a scanned work pass"
)
def verify_pass(request: AuthedRequest, payload: PassCheckIn):
    require(request.user, "work_pass.verify")
    v = services.verify_work_pass(payload.code)
    return {**v.__dict__, "valid": v.valid}


# --- rosters -----------------------------------------------------------------------------


class PoolOut(Schema):
    id: int
    name: str
    kind: str
    area_id: int
    rules: dict


class PoolIn(StrictSchema):
    name: str = Field(..., max_length=100)
    kind: PoolKind
    area_id: int
    rules: dict = {}


class MemberIn(StrictSchema):
    name: str = Field(..., max_length=60)
    qualifications: list[str] = []
    closed_loop: bool = False


class StaffMemberOut(Schema):
    id: int
    name: str
    qualifications: list[str]
    closed_loop: bool


class ShiftIn(StrictSchema):
    name: str = Field(..., max_length=20)
    start: str = Field(..., max_length=5)
    hours: float
    needed: int


class PostIn(StrictSchema):
    name: str = Field(..., max_length=60)
    closed_loop: bool = False
    qualification: str = Field("", max_length=40)
    shifts: list[ShiftIn]


class PostOut(Schema):
    id: int
    name: str
    closed_loop: bool
    qualification: str
    shifts: list[dict]


class SolveIn(StrictSchema):
    start: dt.date
    days: int = 7


class AssignmentOut(Schema):
    member_id: int
    post_id: int
    day: dt.date
    shift: int
    starts_at: dt.datetime
    hours: float


class RosterOut(Schema):
    id: int
    pool_id: int
    start_date: dt.date
    days: int
    status: str
    solver_status: str
    seconds: float
    spread_hours: float
    uncovered: list[dict]
    conflicts: list[dict]
    assignments: list[AssignmentOut]

    @staticmethod
    def resolve_assignments(obj: Roster) -> list:
        return list(obj.assignments.all())


class AbsenceIn(StrictSchema):
    member_id: int
    day: dt.date
    kind: AbsenceKind
    resolve: bool = True


def _pool(request: AuthedRequest, pool_id: int) -> StaffPool:
    return get_visible_or_404(StaffPool, request.user, pk=pool_id, error_field="pool_id")


@router.get("/pools", response=list[PoolOut], summary="Staff pools")
@paginate(Page)
def list_pools(request: AuthedRequest):
    require(request.user, "roster.view")
    return StaffPool.objects.visible_to(request.user).order_by("name", "pk")


@router.post("/pools", response={201: PoolOut, **ERR}, summary="A staff pool with its rules")
def create_pool(request: AuthedRequest, payload: PoolIn):
    require(request.user, "roster.manage")
    area = get_visible_or_404(Area, request.user, pk=payload.area_id, error_field="area_id")
    return Status(201, services.create_pool(by=request.user, name=payload.name, kind=payload.kind,
                                            area=area, rules=payload.rules))  # fmt: skip


@router.get("/pools/{pool_id}", response={200: PoolOut, 404: ErrorOut})
def get_pool(request: AuthedRequest, pool_id: int):
    require(request.user, "roster.view")
    return _pool(request, pool_id)


@router.post("/pools/{pool_id}/members", response={201: StaffMemberOut, **ERR})
def add_member(request: AuthedRequest, pool_id: int, payload: MemberIn):
    require(request.user, "roster.manage")
    return Status(
        201, services.add_member(_pool(request, pool_id), by=request.user, **payload.model_dump())
    )


@router.post("/pools/{pool_id}/posts", response={201: PostOut, **ERR})
def add_post(request: AuthedRequest, pool_id: int, payload: PostIn):
    require(request.user, "roster.manage")
    data = payload.model_dump()
    return Status(201, services.add_post(_pool(request, pool_id), by=request.user, **data))


@router.post(
    "/pools/{pool_id}/rosters", response={201: RosterOut, **ERR}, summary="Solve a roster (CP-SAT)"
)
def solve(request: AuthedRequest, pool_id: int, payload: SolveIn):
    require(request.user, "roster.manage")
    return Status(201, services.solve_roster(_pool(request, pool_id), by=request.user,
                                             start=payload.start, days=payload.days))  # fmt: skip


def _roster(request: AuthedRequest, roster_id: int) -> Roster:
    return get_visible_or_404(Roster.objects.select_related("pool__area"), request.user,
                              pk=roster_id, error_field="roster_id")  # fmt: skip


@router.get("/rosters/{roster_id}", response={200: RosterOut, 404: ErrorOut})
def get_roster(request: AuthedRequest, roster_id: int):
    require(request.user, "roster.view")
    return _roster(request, roster_id)


@router.post("/rosters/{roster_id}/publish", response={200: RosterOut, **ERR})
def publish(request: AuthedRequest, roster_id: int):
    require(request.user, "roster.manage")
    return services.publish(_roster(request, roster_id), by=request.user)


@router.post("/rosters/{roster_id}/absences", response={201: RosterOut, **ERR},
             summary="A sick day or swap; the roster re-solved around it (a new draft)")  # fmt: skip
def absence(request: AuthedRequest, roster_id: int, payload: AbsenceIn):
    require(request.user, "roster.manage")
    roster = _roster(request, roster_id)
    member = get_visible_or_404(StaffMember.objects.filter(pool=roster.pool), request.user,
                                pk=payload.member_id, error_field="member_id")  # fmt: skip
    services.record_absence(member, by=request.user, day=payload.day, kind=payload.kind)
    return Status(
        201, services.resolve_around(roster, by=request.user) if payload.resolve else roster
    )


@router.get("/my-shifts", response=list[AssignmentOut], summary="Your published shifts")
def my_shifts(request: AuthedRequest):
    return list(selectors.my_shifts(request.user))
