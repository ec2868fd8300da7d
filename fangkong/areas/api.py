from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from fangkong.areas.models import Area
from fangkong.areas.selectors import areas_for
from fangkong.core.api import ErrorOut, Page
from fangkong.core.errors import NotFound

router = Router(tags=["areas"])


class AreaOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    depth: int
    parent_code: str | None = None

    @staticmethod
    def resolve_parent_code(obj: Area) -> str | None:
        return getattr(obj, "parent_code", None)


class AreaFilter(Schema):
    q: str = Field("", max_length=60)
    depth: int | None = Field(None, ge=1, le=10)


@router.get("", response=list[AreaOut], summary="Areas within your areas")
@paginate(Page)
def list_areas(request: HttpRequest, filters: Query[AreaFilter]):
    qs = areas_for(request.user)
    if filters.q:
        qs = qs.filter(Q(name__contains=filters.q) | Q(code__startswith=filters.q))
    if filters.depth:
        qs = qs.filter(depth=filters.depth)
    return qs.order_by("path")


@router.get("/{area_id}", response={200: AreaOut, 404: ErrorOut})
def get_area(request: HttpRequest, area_id: int):
    area = areas_for(request.user).filter(pk=area_id).first()
    if area is None:
        raise NotFound("Not found.")
    return area
