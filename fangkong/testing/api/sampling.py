"""Testing API, sampling: scans, offline uploads, tubes."""

from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from fangkong.core.actors import AuthedRequest
from fangkong.core.api import Page, filter_list
from fangkong.core.permissions import require
from fangkong.core.scoping import get_visible_or_404
from fangkong.testing import selectors, services
from fangkong.testing.api._lookups import ERRORS, _point, _round
from fangkong.testing.api.schemas import (
    ScanIn,
    ScanOut,
    TubeOut,
    UploadIn,
    UploadOut,
)
from fangkong.testing.choices import TubeState
from fangkong.testing.filters import TubeFilter

router = Router(tags=["testing"])


# --- sampling --------------------------------------------------------------------------------
@router.post("/scan", response={200: ScanOut, 201: ScanOut, **ERRORS})
def scan(request: AuthedRequest, data: ScanIn):
    """One swab: the person (ID number or QR payload) into the tube. A repeat in the round
    answers 409 with code ``repeat`` unless ``confirm_repeat``."""
    res = services.record_scan(
        data.round_id, data.point_id, person_code=data.person, tube_barcode=data.tube,
        by=request.user, client_uuid=data.client_uuid, confirm_repeat=data.confirm_repeat,
    )  # fmt: skip
    return Status(201 if res.created else 200, res)


@router.post("/uploads", response={200: UploadOut, **ERRORS})
def upload(request: AuthedRequest, data: UploadIn):
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
def list_tubes(request: AuthedRequest, q: Query[TubeQuery]):
    """Tubes of your areas; a round or point that is not yours is no choice (422)."""
    require(request.user, "testing.view")
    return filter_list(request, TubeFilter, q, queryset=selectors.tubes_for(request.user)).order_by(
        "-pk"
    )


@router.get("/tubes/{barcode}", response={200: TubeOut, **ERRORS})
def get_tube(request: AuthedRequest, barcode: str):
    require(request.user, "testing.view")
    return get_visible_or_404(selectors.tubes_for(request.user), request.user, barcode=barcode)


@router.post("/tubes/{barcode}/close", response={200: TubeOut, **ERRORS})
def close_tube(request: AuthedRequest, barcode: str):
    require(request.user, "testing.sample")
    tube = get_visible_or_404(selectors.tubes_for(request.user), request.user, barcode=barcode)
    return services.close_tube(tube, by=request.user)
