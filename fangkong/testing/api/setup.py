"""Testing API, setting up: testing points, screening rounds, their coverage."""

from ninja import Router, Status
from ninja.pagination import paginate

from fangkong.core.actors import AuthedRequest
from fangkong.core.api import Page
from fangkong.core.permissions import require
from fangkong.core.scoping import get_all_visible_or_404
from fangkong.testing import selectors, services
from fangkong.testing.api._lookups import ERRORS, _area, _point, _round
from fangkong.testing.api.schemas import (
    CoverageOut,
    MissingPersonOut,
    PointIn,
    PointOut,
    RoundIn,
    RoundOut,
)

router = Router(tags=["testing"])


# --- points and rounds -----------------------------------------------------------------------
@router.get("/points", response=list[PointOut])
@paginate(Page)
def list_points(request: AuthedRequest):
    require(request.user, "testing.view")
    return selectors.points_for(request.user).order_by("pk")


@router.post("/points", response={201: PointOut, **ERRORS})
def create_point(request: AuthedRequest, data: PointIn):
    from fangkong.core.models import User

    point = services.create_point(
        name=data.name, kind=data.kind, area=_area(request, data.area_id), address=data.address,
        hours=data.hours, samplers=get_all_visible_or_404(User, request.user, data.sampler_ids,
                                        error_field="sampler_ids"), by=request.user,
    )  # fmt: skip
    return Status(201, point)


@router.get("/points/{point_id}", response={200: PointOut, **ERRORS})
def get_point(request: AuthedRequest, point_id: int):
    require(request.user, "testing.view")
    return _point(request, point_id)


@router.get("/rounds", response=list[RoundOut])
@paginate(Page)
def list_rounds(request: AuthedRequest):
    require(request.user, "testing.view")
    return selectors.rounds_for(request.user).order_by("-pk")


@router.post("/rounds", response={201: RoundOut, **ERRORS})
def create_round(request: AuthedRequest, data: RoundIn):
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
def get_round(request: AuthedRequest, round_id: int):
    require(request.user, "testing.view")
    return _round(request, round_id)


@router.get("/rounds/{round_id}/coverage", response={200: CoverageOut, **ERRORS})
def round_coverage(
    request, round_id: int, area_id: int | None = None, buildings: bool | None = None
):
    require(request.user, "testing.result.view")
    rnd = _round(request, round_id)
    area = _area(request, area_id) if area_id else None
    return selectors.coverage(rnd, area=area, user=request.user, buildings=buildings)


@router.get("/rounds/{round_id}/missing", response=list[MissingPersonOut])
@paginate(Page)
def round_missing(request: AuthedRequest, round_id: int, area_id: int | None = None):
    require(request.user, "testing.result.view")
    rnd = _round(request, round_id)
    area = _area(request, area_id) if area_id else None
    return selectors.missing_persons(rnd, area=area, user=request.user).order_by("area_id", "pk")
