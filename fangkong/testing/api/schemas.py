"""What the testing API takes and answers. What a selector or service answers as a dataclass
the API answers by a schema made from it (``core.schemas.schema_of``)."""

import datetime as dt
from typing import Any

from django.urls import reverse
from ninja import Field, Schema
from typing_extensions import TypedDict

from fangkong.core.api import StrictSchema
from fangkong.core.schemas import schema_of
from fangkong.testing.choices import PointKind
from fangkong.testing.selectors import (
    Coverage,
    CoverageRow,
    PersonResult,
    StageStats,
    TurnaroundRow,
)
from fangkong.testing.services.scan import ScanResult

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


@schema_of(ScanResult)
class ScanOut(Schema):
    """What a scan answers."""


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


@schema_of(CoverageRow, exclude=("path",))
class CoverageRowOut(Schema):
    """An area's coverage in a round."""


@schema_of(Coverage, ids=("round", "area"))
class CoverageOut(Schema):
    """A round's coverage, by village and by building."""


class MissingPersonOut(Schema):
    id: int
    name: str
    id_number_masked: str
    area_id: int
    household_id: int | None


@schema_of(StageStats)
class StageOut(Schema):
    """A stage's tubes and hours."""


@schema_of(TurnaroundRow)
class TurnaroundOut(Schema):
    """A point's, lab's or round's turnaround by stage."""


@schema_of(PersonResult, exclude=("outcome_label",))  # the label is for pages
class PersonResultOut(Schema):
    """A swab of the person and its released result."""


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
