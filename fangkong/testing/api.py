"""The testing API: points, rounds, scanning, device uploads, boxes, lab results, coverage,
turnaround, a person's results. Samplers and lab technicians use their own tokens."""

import datetime as dt
from typing import Any

from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from typing_extensions import TypedDict

from fangkong.areas.models import Area
from fangkong.core.api import ErrorOut, Page, StrictSchema, filter_list
from fangkong.core.errors import ValidationFailed
from fangkong.core.permissions import require
from fangkong.core.scoping import get_all_visible_or_404, get_visible_or_404
from fangkong.core.uploads import read_upload
from fangkong.people.models import Person
from fangkong.testing import selectors, services
from fangkong.testing.choices import PointKind, RetestState, TubeState
from fangkong.testing.filters import RetestFilter, TubeFilter
from fangkong.testing.models import Lab
from fangkong.testing.services import result_imports
from fangkong.testing.services.lab import lab_for

router = Router(tags=["testing"])
ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
ERRORS_INLINE = 100  # bad rows in an import's status; the errors endpoint pages them all


# --- schemas ---------------------------------------------------------------------------------
class PointOut(Schema):
    id: int
    name: str
    kind: str
    area_id: int
    address: str
    hours: str
    active: bool


class PointIn(StrictSchema):
    name: str = Field(..., max_length=100)
    kind: PointKind
    area_id: int
    address: str = Field("", max_length=200)
    hours: str = Field("", max_length=60)
    sampler_ids: list[int] = []


class RoundOut(Schema):
    id: int
    name: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    pooling_ratio: int
    area_ids: list[int]

    @staticmethod
    def resolve_area_ids(obj: Any) -> list[int]:
        return [a.pk for a in obj.areas.all()]


class RoundIn(StrictSchema):
    name: str = Field(..., max_length=100)
    area_ids: list[int]
    starts_at: dt.datetime
    ends_at: dt.datetime
    pooling_ratio: int = 10
    single_category_ids: list[int] = []


class ScanIn(StrictSchema):
    round_id: int
    point_id: int
    person: str = Field(..., max_length=200, description="ID number or personal QR payload")
    tube: str = Field(..., max_length=40, description="Tube barcode")
    client_uuid: str | None = Field(None, max_length=40)
    confirm_repeat: bool = False


class ScanOut(Schema):
    member_id: int
    tube: str
    kind: str
    swabs: int
    capacity: int
    tube_closed: bool
    repeat: bool
    created: bool
    person_name: str


class UploadTubeIn(TypedDict, total=False):
    """A tube of the batch. Rows are typed dicts, not models: a batch holds tens of thousands
    of them, and the service checks and reports each row itself."""

    barcode: Any
    kind: Any  # "pooled" (default) or "single"
    closed: bool


class UploadMemberIn(TypedDict, total=False):
    """One swab: ``client_uuid``, ``tube``, ``person_id`` or ``id_number``, ``sampled_at``."""

    client_uuid: Any
    tube: Any
    person_id: Any
    id_number: Any
    sampled_at: Any


class UploadIn(StrictSchema):
    round_id: int
    point_id: int
    tubes: list[UploadTubeIn] = Field([], max_length=5000)
    members: list[UploadMemberIn] = Field([], max_length=50000)


class RowProblemOut(Schema):
    section: str
    index: int
    field: str
    message: str


class UploadOut(Schema):
    recorded: int
    already_recorded: int
    tubes_created: int
    tubes_closed: int
    errors: list[RowProblemOut]
    warnings: list[RowProblemOut]


class TubeOut(Schema):
    id: int
    barcode: str
    round_id: int
    point_id: int
    kind: str
    capacity: int
    member_count: int
    state: str
    box_id: int | None
    first_sampled_at: dt.datetime | None
    closed_at: dt.datetime | None
    received_at: dt.datetime | None
    tested_at: dt.datetime | None
    reported_at: dt.datetime | None


class BoxIn(StrictSchema):
    barcode: str = Field(..., max_length=40)
    point_id: int


class BoxOut(Schema):
    id: int
    barcode: str
    state: str
    point_id: int | None
    lab_id: int | None
    courier_name: str
    handed_over_at: dt.datetime | None
    received_at: dt.datetime | None
    missing: list[str]
    extra: list[str]
    tubes: list[str]

    @staticmethod
    def resolve_tubes(obj: Any) -> list[str]:
        return sorted(t.barcode for t in obj.tubes.all())


class BoxTubeIn(StrictSchema):
    tube: str = Field(..., max_length=40)


class HandoverIn(StrictSchema):
    courier_name: str = Field(..., max_length=60)
    courier_phone: str = Field("", max_length=20)
    lab_id: int | None = None


class ReceiveIn(StrictSchema):
    lab_id: int | None = None
    scanned: list[str] | None = Field(None, description="Tube barcodes read at the lab; "
                                      "omit to take the box's list as it is")  # fmt: skip


class ReceiptOut(Schema):
    box: str
    received: list[str]
    missing: list[str]
    extra: list[str]
    unknown: list[str]
    refused: list[str]


class ResultRowIn(Schema):
    barcode: Any = ""
    outcome: Any = ""
    ct: Any = None


class ResultsIn(StrictSchema):
    lab_id: int | None = None
    results: list[ResultRowIn] = Field(..., max_length=20000)


class ResultRowError(Schema):
    row: int
    field: str
    message: str


class ResultsOut(Schema):
    recorded: int
    positives: list[str]
    errors: list[ResultRowError]


class ResultImportErrorOut(Schema):
    row: int
    barcode: str
    field: str
    message: str


class ResultImportOut(Schema):
    """A results import's progress; ``errors`` lists the first bad rows, ``errors_url``
    pages through them all."""

    id: int
    lab_id: int
    filename: str
    status: str = Field(..., description="pending, validating, writing, done, rejected, failed")
    finished: bool
    total_rows: int
    processed_rows: int
    percent: int
    recorded_count: int
    positive_count: int
    error_count: int
    message: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    status_url: str
    errors_url: str
    errors: list[ResultImportErrorOut]

    @staticmethod
    def resolve_status_url(obj: Any) -> str:
        return reverse("api:testing_result_import", kwargs={"job_id": obj.pk})

    @staticmethod
    def resolve_errors_url(obj: Any) -> str:
        return reverse("api:testing_result_import_errors", kwargs={"job_id": obj.pk})

    @staticmethod
    def resolve_errors(obj: Any) -> list[Any]:
        return list(obj.row_errors.all()[:ERRORS_INLINE]) if obj.error_count else []


class PublishIn(StrictSchema):
    tubes: list[str] | None = Field(
        None, max_length=20000, description="Barcodes; omit for all tested tubes"
    )
    lab_id: int | None = None


class PublishOut(Schema):
    published: int


class CoverageRowOut(Schema):
    area_id: int
    name: str
    target: int
    sampled: int
    missing: int
    percent: float


class CoverageOut(Schema):
    round_id: int
    area_id: int | None
    target: int
    sampled: int
    missing: int
    percent: float
    by_village: list[CoverageRowOut]
    by_building: list[CoverageRowOut]


class MissingPersonOut(Schema):
    id: int
    name: str
    id_number_masked: str
    area_id: int
    household_id: int | None


class StageOut(Schema):
    count: int
    median_h: float | None
    p90_h: float | None


class TurnaroundOut(Schema):
    key: int | None
    name: str
    tubes: int
    past_target: int
    stages: dict[str, StageOut]


class PersonResultOut(Schema):
    sampled_at: dt.datetime
    round: str
    point: str
    tube: str
    kind: str
    status: str
    outcome: str | None


class RetestOut(Schema):
    id: int
    person_id: int
    person_name: str = Field(..., alias="person.name")
    area_id: int
    reason: str
    state: str
    source_tube_id: int | None
    round_id: int | None
    retest_tube: str | None = Field(None, alias="retest_tube.barcode")
    done_at: dt.datetime | None
    cancel_reason: str


class RetestSampleIn(StrictSchema):
    tube: str = Field(..., max_length=40, description="The new single tube's barcode")
    point_id: int | None = Field(None, description="Omit when you serve one testing point")


class RetestCancelIn(StrictSchema):
    reason: str = Field(..., max_length=200)


class CandidateOut(Schema):
    id: int
    person_id: int
    person_name: str = Field(..., alias="person.name")
    household_id: int | None
    area_id: int
    tube_id: int
    chain: list[dict[str, Any]]
    state: str
    decided_by_id: int | None
    decided_at: dt.datetime | None
    note: str


class ConfirmIn(StrictSchema):
    note: str = Field("", max_length=500)


class DismissIn(StrictSchema):
    reason: str = Field(..., max_length=500)


# --- helpers ---------------------------------------------------------------------------------
def _area(request, pk: int, field: str = "area_id") -> Area:
    return get_visible_or_404(Area, request.user, pk=pk, error_field=field)


def _point(request, pk: int):
    points = selectors.points_for(request.user)
    return get_visible_or_404(points, request.user, pk=pk, error_field="point_id")


def _round(request, pk: int):
    rounds = selectors.rounds_for(request.user)
    return get_visible_or_404(rounds, request.user, pk=pk, error_field="round_id")


def _box(request, barcode: str):
    boxes = selectors.openable_boxes_for(request.user)
    return get_visible_or_404(boxes, request.user, barcode=barcode, error_field="box")


def _lab(request, lab_id: int | None) -> Lab | None:
    """``services.lab_for`` of the lab named by ``lab_id``, errors naming ``lab_id``."""
    lab = None
    if lab_id is not None:
        lab = get_visible_or_404(Lab, request.user, pk=lab_id, error_field="lab_id")
    return lab_for(request.user, lab, field="lab_id")


def _lab_to_hand_to(request, lab_id: int) -> Lab:
    """Any lab the caller may hand a box to (``selectors.labs_to_hand_to``), errors naming
    ``lab_id``."""
    return get_visible_or_404(
        selectors.labs_to_hand_to(request.user), request.user, pk=lab_id, error_field="lab_id"
    )


# --- points and rounds -----------------------------------------------------------------------
@router.get("/points", response=list[PointOut])
@paginate(Page)
def list_points(request):
    require(request.user, "testing.view")
    return selectors.points_for(request.user).order_by("pk")


@router.post("/points", response={201: PointOut, **ERRORS})
def create_point(request, data: PointIn):
    from fangkong.core.models import User

    point = services.create_point(
        name=data.name, kind=data.kind, area=_area(request, data.area_id), address=data.address,
        hours=data.hours, samplers=get_all_visible_or_404(User, request.user, data.sampler_ids,
                                        error_field="sampler_ids"), by=request.user,
    )  # fmt: skip
    return Status(201, point)


@router.get("/points/{point_id}", response={200: PointOut, **ERRORS})
def get_point(request, point_id: int):
    require(request.user, "testing.view")
    return _point(request, point_id)


@router.get("/rounds", response=list[RoundOut])
@paginate(Page)
def list_rounds(request):
    require(request.user, "testing.view")
    return selectors.rounds_for(request.user).order_by("-pk")


@router.post("/rounds", response={201: RoundOut, **ERRORS})
def create_round(request, data: RoundIn):
    from fangkong.people.models import KeyCategory

    rnd = services.create_round(
        name=data.name, areas=[_area(request, pk) for pk in data.area_ids],
        starts_at=data.starts_at, ends_at=data.ends_at, pooling_ratio=data.pooling_ratio,
        single_categories=get_all_visible_or_404(
            KeyCategory, request.user, data.single_category_ids, error_field="single_category_ids"
        ),
        by=request.user,
    )  # fmt: skip
    return Status(201, rnd)


@router.get("/rounds/{round_id}", response={200: RoundOut, **ERRORS})
def get_round(request, round_id: int):
    require(request.user, "testing.view")
    return _round(request, round_id)


@router.get("/rounds/{round_id}/coverage", response={200: CoverageOut, **ERRORS})
def round_coverage(
    request, round_id: int, area_id: int | None = None, buildings: bool | None = None
):
    require(request.user, "testing.result.view")
    rnd = _round(request, round_id)
    area = _area(request, area_id) if area_id else None
    cov = selectors.coverage(rnd, area=area, user=request.user, buildings=buildings)
    return {
        "round_id": rnd.pk, "area_id": area_id, "target": cov.target, "sampled": cov.sampled,
        "missing": cov.missing, "percent": cov.percent,
        "by_village": [r.as_dict() for r in cov.by_village],
        "by_building": [r.as_dict() for r in cov.by_building],
    }  # fmt: skip


@router.get("/rounds/{round_id}/missing", response=list[MissingPersonOut])
@paginate(Page)
def round_missing(request, round_id: int, area_id: int | None = None):
    require(request.user, "testing.result.view")
    rnd = _round(request, round_id)
    area = _area(request, area_id) if area_id else None
    return selectors.missing_persons(rnd, area=area, user=request.user).order_by("area_id", "pk")


# --- sampling --------------------------------------------------------------------------------
@router.post("/scan", response={200: ScanOut, 201: ScanOut, **ERRORS})
def scan(request, data: ScanIn):
    """One swab: the person (ID number or QR payload) into the tube. A repeat in the round
    answers 409 with code ``repeat`` unless ``confirm_repeat``."""
    res = services.record_scan(
        data.round_id, data.point_id, person_code=data.person, tube_barcode=data.tube,
        by=request.user, client_uuid=data.client_uuid, confirm_repeat=data.confirm_repeat,
    )  # fmt: skip
    return Status(201 if res.created else 200, res)


@router.post("/uploads", response={200: UploadOut, **ERRORS})
def upload(request, data: UploadIn):
    """A device's batch of tubes and swabs taken offline. Idempotent by ``client_uuid``:
    sent twice, recorded once. Bad rows come back with section, index, field and reason; the
    good rows are recorded."""
    require(request.user, "testing.sample")
    point = _point(request, data.point_id)
    rnd = _round(request, data.round_id)
    report = services.upload_batch(
        rnd, point, tubes=data.tubes, members=data.members, by=request.user,
    )  # fmt: skip
    return report.as_dict()


class TubeQuery(Schema):
    round_id: int | None = Field(None, description="one of your rounds")
    point_id: int | None = Field(None, description="one of your testing points")
    state: TubeState | None = None


@router.get("/tubes", response=list[TubeOut])
@paginate(Page)
def list_tubes(request, q: Query[TubeQuery]):
    """Tubes of your areas; a round or point that is not yours is no choice (422)."""
    require(request.user, "testing.view")
    return filter_list(request, TubeFilter, q, queryset=selectors.tubes_for(request.user)).order_by(
        "-pk"
    )


@router.get("/tubes/{barcode}", response={200: TubeOut, **ERRORS})
def get_tube(request, barcode: str):
    require(request.user, "testing.view")
    return get_visible_or_404(selectors.tubes_for(request.user), request.user, barcode=barcode)


@router.post("/tubes/{barcode}/close", response={200: TubeOut, **ERRORS})
def close_tube(request, barcode: str):
    require(request.user, "testing.sample")
    tube = get_visible_or_404(selectors.tubes_for(request.user), request.user, barcode=barcode)
    return services.close_tube(tube, by=request.user)


# --- transport -------------------------------------------------------------------------------
@router.post("/boxes", response={201: BoxOut, **ERRORS})
def create_box(request, data: BoxIn):
    require(request.user, "testing.transport")
    box = services.create_box(
        barcode=data.barcode, point=_point(request, data.point_id), by=request.user
    )
    return Status(201, box)


@router.get("/boxes/{barcode}", response={200: BoxOut, **ERRORS})
def get_box(request, barcode: str):
    require(request.user, "testing.view")
    return _box(request, barcode)


@router.post("/boxes/{barcode}/tubes", response={200: BoxOut, **ERRORS})
def box_add_tube(request, barcode: str, data: BoxTubeIn):
    require(request.user, "testing.transport")
    box = _box(request, barcode)
    services.add_tube(box, data.tube, by=request.user)
    return box


@router.post("/boxes/{barcode}/handover", response={200: BoxOut, **ERRORS})
def box_handover(request, barcode: str, data: HandoverIn):
    require(request.user, "testing.transport")
    box = _box(request, barcode)
    lab = _lab_to_hand_to(request, data.lab_id) if data.lab_id is not None else None
    return services.hand_over(
        box, courier_name=data.courier_name, courier_phone=data.courier_phone, lab=lab,
        by=request.user,
    )  # fmt: skip


@router.post("/boxes/{barcode}/receive", response={200: ReceiptOut, **ERRORS})
def box_receive(request, barcode: str, data: ReceiveIn):
    require(request.user, "testing.lab")
    box = _box(request, barcode)
    lab = _lab(request, data.lab_id)
    if lab is None:
        raise ValidationFailed(_("Which lab? You belong to none; give lab_id."), field="lab_id")
    r = services.receive_box(box, lab=lab, scanned=data.scanned, by=request.user)
    return {"box": box.barcode, "received": r.received, "missing": r.missing, "extra": r.extra,
            "unknown": r.unknown, "refused": r.refused}  # fmt: skip


# --- lab -------------------------------------------------------------------------------------
@router.post("/results", response={200: ResultsOut, **ERRORS})
def post_results(request, data: ResultsIn):
    """Results from a lab's system (a lab technician's token): rows of barcode, outcome
    (negative/positive/invalid) and ct; bad rows reported by row number (from 1)."""
    require(request.user, "testing.lab")
    rows = [r.dict() for r in data.results]
    return services.record_results(rows, lab=_lab(request, data.lab_id), by=request.user).as_dict()


@router.post("/results/import", response={202: ResultImportOut, **ERRORS})
def import_results(
    request,
    response: HttpResponse,
    file: UploadedFile = File(...),  # noqa: B008
    lab_id: int | None = None,
):
    """A lab's .xlsx or .csv export (columns barcode, outcome, ct), recorded in the
    background: answers 202 with the import's id and ``status_url`` (also the ``Location``
    header) to follow. A file that cannot be read or lacks a column is refused at once (422,
    field ``file``); bad rows are listed on the import, numbered from the header as row 1."""
    require(request.user, "testing.lab")
    lab = _lab(request, lab_id)
    if lab is None:
        raise ValidationFailed(_("Which lab? You belong to none; give lab_id."), field="lab_id")
    job = services.start_result_import(
        by=request.user,
        lab=lab,
        filename=file.name or "",
        content=read_upload(file, max_bytes=result_imports.MAX_BYTES),
    )
    response["Location"] = reverse("api:testing_result_import", kwargs={"job_id": job.pk})
    return Status(202, job)


@router.get(
    "/results/imports/{job_id}",
    response={200: ResultImportOut, **ERRORS},
    url_name="testing_result_import",
    summary="A results import's progress and bad rows",
)
def get_result_import(request, job_id: int):
    """Seen by its uploader, the technicians of its lab and the command centre over the
    lab's area; 404 for anyone else."""
    require(request.user, "testing.result_import.view")
    return selectors.get_result_import(request.user, job_id)


@router.get(
    "/results/imports/{job_id}/errors",
    response=list[ResultImportErrorOut],
    url_name="testing_result_import_errors",
    summary="A results import's bad rows: row number, tube barcode, column and reason",
)
@paginate(Page)
def get_result_import_errors(request, job_id: int):
    require(request.user, "testing.result_import.view")
    return selectors.get_result_import(request.user, job_id).row_errors.all()


@router.post("/results/publish", response={200: PublishOut, **ERRORS})
def publish(request, data: PublishIn):
    require(request.user, "testing.lab")
    tubes = None
    if data.tubes is not None:
        from fangkong.testing.models import Tube

        tubes = list(Tube.objects.filter(barcode__in=data.tubes))
    n = services.publish_results(tubes, lab=_lab(request, data.lab_id), by=request.user)
    return {"published": n}


# --- follow-up, turnaround, personal results -------------------------------------------------
@router.get("/retests", response=list[RetestOut])
@paginate(Page)
def list_retests(
    request, state: str = RetestState.OPEN, reason: str = "", round: int | None = None,
    area: int | None = None,
):  # fmt: skip
    """Door-to-door tasks in your areas (open ones by default), in the order a team walks
    them; ``reason``, ``round`` and ``area`` (a village) narrow the list."""
    require(request.user, "testing.retest.view")
    qs = selectors.retests_for(request.user).select_related("retest_tube")
    if state:
        qs = qs.filter(state=state)
    # a round or area outside yours is no choice either (422 naming the field)
    wanted = {"reason": reason, "round": round, "area": area}
    return filter_list(request, RetestFilter, wanted, queryset=qs).order_by(*selectors.WALK_ORDER)


def _retest(request, pk: int):
    tasks = selectors.retests_for(request.user)
    return get_visible_or_404(tasks, request.user, pk=pk, error_field="task_id")


@router.post("/retests/{task_id}/sample", response={200: RetestOut, **ERRORS})
def retest_sample(request, task_id: int, data: RetestSampleIn):
    """Record the single tube taken at the person's door: a new tube barcode (a used one
    answers 409 naming ``tube``); a task already done or cancelled answers 409."""
    require(request.user, "testing.sample")
    task = _retest(request, task_id)
    point = None
    if data.point_id is not None:
        point = get_visible_or_404(
            selectors.sampling_points_for(request.user), request.user, pk=data.point_id,
            error_field="point_id",
        )  # fmt: skip
    return services.record_retest_sample(task, tube_barcode=data.tube, point=point, by=request.user)


@router.post("/retests/{task_id}/cancel", response={200: RetestOut, **ERRORS})
def retest_cancel(request, task_id: int, data: RetestCancelIn):
    require(request.user, "testing.manage")
    return services.cancel_retest(_retest(request, task_id), reason_text=data.reason,
                                  by=request.user)  # fmt: skip


@router.get("/case-candidates", response=list[CandidateOut])
@paginate(Page)
def list_candidates(request):
    require(request.user, "testing.result.view")
    return selectors.candidates_for(request.user).order_by("-pk")


def _candidate(request, pk: int):
    candidates = selectors.candidates_for(request.user)
    return get_visible_or_404(candidates, request.user, pk=pk, error_field="candidate_id")


@router.post("/case-candidates/{candidate_id}/confirm", response={200: CandidateOut, **ERRORS})
def candidate_confirm(request, candidate_id: int, data: ConfirmIn):
    """Confirm as a case (409 when someone decided first)."""
    require(request.user, "testing.candidate.decide")
    return services.confirm_candidate(_candidate(request, candidate_id), note=data.note,
                                      by=request.user)  # fmt: skip


@router.post("/case-candidates/{candidate_id}/dismiss", response={200: CandidateOut, **ERRORS})
def candidate_dismiss(request, candidate_id: int, data: DismissIn):
    """Dismiss with the reason (409 when someone decided first)."""
    require(request.user, "testing.candidate.decide")
    return services.dismiss_candidate(_candidate(request, candidate_id), reason=data.reason,
                                      by=request.user)  # fmt: skip


class TurnaroundQuery(Schema):
    group: str = Field("point", pattern="^(point|lab|round)$")
    round_id: int | None = None


@router.get("/turnaround", response={200: list[TurnaroundOut], **ERRORS})
def get_turnaround(request, q: Query[TurnaroundQuery]):
    require(request.user, "testing.view")
    tubes = filter_list(
        request, TubeFilter, {"round_id": q.round_id}, queryset=selectors.tubes_for(request.user)
    )
    rows = selectors.turnaround(tubes, group=q.group)
    return [{"key": r.key, "name": r.name, "tubes": r.tubes, "past_target": r.past_target,
             "stages": {k: vars(v) for k, v in r.stages.items()}} for r in rows]  # fmt: skip


@router.get("/overdue", response=list[TubeOut])
@paginate(Page)
def get_overdue(request, stage: str = Query("receipt", pattern="^(receipt|test|report)$")):  # noqa: B008
    require(request.user, "testing.view")
    return selectors.overdue(selectors.tubes_for(request.user), stage)


@router.get("/persons/{person_id}/results", response={200: list[PersonResultOut], **ERRORS})
def person_results(request, person_id: int):
    """A person's swabs and released results (positive pools show as awaiting retest)."""
    require(request.user, "testing.result.view")
    person = get_visible_or_404(Person, request.user, pk=person_id, error_field="person_id")
    return [vars(r) for r in selectors.results_for_person(person)]
