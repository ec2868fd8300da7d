"""The grid and who answers for it, under /api/v1/areas (scoped to the caller's areas)."""

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from fangkong.areas import filters, selectors
from fangkong.areas.choices import AreaLevel, ResponsibilityRole
from fangkong.areas.models import Area, Responsibility
from fangkong.areas.services import assign_responsibility, end_responsibility, import_areas
from fangkong.core.actors import AuthedRequest
from fangkong.core.api import ErrorOut, Page, StrictSchema, filter_list
from fangkong.core.errors import ValidationFailed
from fangkong.core.models import User
from fangkong.core.permissions import require
from fangkong.core.scoping import get_visible_or_404

router = Router(tags=["areas"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


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


class AreaNodeOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    depth: int
    persons: int = Field(description="Persons in this area and below, within your areas")
    has_children: bool


class ChainLinkOut(Schema):
    level: int
    level_label: str
    area_id: int
    area_code: str
    area_name: str
    role: str
    role_label: str
    name: str
    title: str
    floor: int | None
    phone_masked: str
    phone: str | None = Field(None, description="In full for roles that keep assignments")


class ResponsibilityOut(Schema):
    id: int
    area_id: int
    area_code: str
    area_name: str
    role: str
    role_label: str
    person_name: str
    title: str
    floor: int | None
    phone_masked: str
    phone: str | None = Field(None, description="In full for roles that keep assignments")
    user_id: int | None
    starts_on: dt.date
    ended_on: dt.date | None
    active: bool

    @staticmethod
    def resolve_area_code(obj: Responsibility) -> str:
        return obj.area.code

    @staticmethod
    def resolve_area_name(obj: Responsibility) -> str:
        return obj.area.name

    @staticmethod
    def resolve_role_label(obj: Responsibility) -> str:
        return str(obj.get_role_display())

    @staticmethod
    def resolve_phone(obj: Responsibility, context) -> str | None:
        request = context.get("request") if context else None
        return obj.phone if request is not None and _full(request) else None

    @staticmethod
    def resolve_active(obj: Responsibility) -> bool:
        return obj.is_active()


class ResponsibilityIn(StrictSchema):
    area_id: int
    role: ResponsibilityRole
    person_name: str = Field(max_length=60)
    phone: str = Field(max_length=20)
    title: str = Field("", max_length=60)
    floor: int | None = None
    user_id: int | None = None
    starts_on: dt.date | None = None


class EndIn(StrictSchema):
    ended_on: dt.date | None = None


class ResponsibilityQuery(Schema):
    area_id: int | None = Field(None, description="one of your areas")
    role: ResponsibilityRole | None = None
    active: bool = True


class UnassignedFilter(Schema):
    level: int = Field(AreaLevel.VILLAGE, description="2 township, 3 village, 4 group, 5 building")


class AreaQuery(Schema):
    q: str = Field("", max_length=60)
    depth: int | None = Field(None, ge=1, le=10)


class PickerNodeOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    kind_label: str
    depth: int
    path: str = Field(description="Where it lies, from the township down: 镇 › 村 › 组")
    has_children: bool

    @staticmethod
    def resolve_kind_label(obj: Area) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_path(obj: Area) -> str:
        return obj.path_label


class PickerFilter(Schema):
    parent: int | None = Field(
        None, description="Children of this area; your own areas if left out"
    )
    max_depth: int | None = Field(None, ge=1, le=10, description="Deepest level the field takes")


class PickerSearch(Schema):
    q: str = Field(
        "",
        max_length=60,
        description="Name, full pinyin or pinyin initials; "
        "several words narrow down by place (桃花 四组)",
    )
    max_depth: int | None = Field(None, ge=1, le=10)


class PickerResultsOut(Schema):
    count: int = Field(description="All matches; items holds the first 50")
    items: list[PickerNodeOut]


class ImportOut(Schema):
    created: int
    roots: int


def _nodes(request: AuthedRequest, parent: Area | None) -> list[AreaNodeOut]:
    return [
        AreaNodeOut(
            id=n.area.pk,
            code=n.area.code,
            name=n.area.name,
            kind=n.area.kind,
            depth=n.area.depth,
            persons=n.persons,
            has_children=n.has_children,
        )
        for n in selectors.children_with_counts(request.user, parent)
    ]


def _area_or_404(request: AuthedRequest, area_id: int, field: str = "area_id") -> Area:
    return get_visible_or_404(Area, request.user, pk=area_id, error_field=field)


def _full(request: AuthedRequest) -> bool:
    return request.user.can("responsibility.manage")


@router.get("", response=list[AreaOut], summary="Areas within your areas")
@paginate(Page)
def list_areas(request: AuthedRequest, query: Query[AreaQuery]):
    return filter_list(request, filters.AreaFilter, query).order_by("path")


@router.get(
    "/tree",
    response={200: list[AreaNodeOut], 403: ErrorOut},
    summary="Your own areas with people counts (the top of the tree)",
)
def tree(request: AuthedRequest):
    require(request.user, "area.view")
    return _nodes(request, None)


@router.get(
    "/picker",
    response={200: list[PickerNodeOut], 404: ErrorOut},
    summary="The area picker's tree: your own areas, or the children of one (no counts)",
)
def picker(request: AuthedRequest, filters: Query[PickerFilter]):
    parent = None if filters.parent is None else _area_or_404(request, filters.parent, "parent")
    return selectors.picker_children(request.user, parent, max_depth=filters.max_depth)


@router.get(
    "/picker/search",
    response={200: PickerResultsOut, 422: ErrorOut},
    summary="Find areas by name or pinyin within your areas, each with its path",
)
def picker_search(request: AuthedRequest, filters: Query[PickerSearch]):
    found = selectors.search_areas(request.user, filters.q, max_depth=filters.max_depth)
    return {"count": found.count, "items": found.areas}


@router.post(
    "/import",
    response={201: ImportOut, **ERRORS},
    summary="Import areas from .xlsx or .csv (code, name, kind, parent code); all or nothing",
)
def import_sheet(request: AuthedRequest, file: File[UploadedFile]):
    result = import_areas(file, by=request.user)
    return Status(201, ImportOut(created=result.created, roots=result.roots))


@router.get(
    "/unassigned",
    response={200: list[AreaOut], **ERRORS},
    summary="Areas of one level with no one assigned",
)
@paginate(Page)
def unassigned(request: AuthedRequest, filters: Query[UnassignedFilter]):
    require(request.user, "responsibility.manage")
    if filters.level not in selectors.UNASSIGNED_LEVELS:
        raise ValidationFailed(_("The level is 2, 3, 4 or 5."), field="level")
    return selectors.unassigned_areas(request.user, filters.level)


@router.get(
    "/responsibilities",
    response={200: list[ResponsibilityOut], **ERRORS},
    summary="Who answers for which area (active assignments by default)",
)
@paginate(Page)
def list_responsibilities(request: AuthedRequest, query: Query[ResponsibilityQuery]):
    """An ``area_id`` that is not one of your areas is no choice (422 naming it)."""
    require(request.user, "area.view")
    resps = selectors.responsibilities_for(request.user)
    qs = filter_list(request, filters.ResponsibilityFilter, query, queryset=resps)
    return qs.order_by("area__path", "role", "floor", "pk")


@router.post(
    "/responsibilities",
    response={201: ResponsibilityOut, **ERRORS},
    summary="Assign someone to an area",
)
def create_responsibility(request: AuthedRequest, payload: ResponsibilityIn):
    require(request.user, "responsibility.manage")
    area = _area_or_404(request, payload.area_id)
    user = None
    if payload.user_id is not None:
        user = get_visible_or_404(User, request.user, pk=payload.user_id, error_field="user_id")
    resp = assign_responsibility(
        by=request.user,
        area=area,
        role=payload.role,
        person_name=payload.person_name,
        phone=payload.phone,
        title=payload.title,
        floor=payload.floor,
        user=user,
        starts_on=payload.starts_on,
    )
    return Status(201, resp)


@router.post(
    "/responsibilities/{resp_id}/end",
    response={200: ResponsibilityOut, **ERRORS},
    summary="End an assignment",
)
def end(request: AuthedRequest, resp_id: int, payload: EndIn | None = None):
    require(request.user, "responsibility.manage")
    resps = selectors.responsibilities_for(request.user)
    resp = get_visible_or_404(resps, request.user, pk=resp_id)
    resp = end_responsibility(resp, by=request.user, on=payload.ended_on if payload else None)
    return resp


@router.get("/{area_id}", response={200: AreaOut, 404: ErrorOut})
def get_area(request: AuthedRequest, area_id: int):
    return _area_or_404(request, area_id)


@router.get(
    "/{area_id}/children",
    response={200: list[AreaNodeOut], **ERRORS},
    summary="The areas one level below, with people counts",
)
def children(request: AuthedRequest, area_id: int):
    require(request.user, "area.view")
    return _nodes(request, _area_or_404(request, area_id))


@router.get(
    "/{area_id}/chain",
    response={200: list[ChainLinkOut], **ERRORS},
    summary="Who answers for a place in this area, from the floor up to the county",
)
def chain(request: AuthedRequest, area_id: int, floor: int | None = None):
    require(request.user, "area.view")
    area = _area_or_404(request, area_id)
    full = _full(request)
    return [
        ChainLinkOut(
            level=link.level,
            level_label=link.level_label,
            area_id=link.area.pk,
            area_code=link.area.code,
            area_name=link.area.name,
            role=link.role,
            role_label=link.role_label,
            name=link.name,
            title=link.title,
            floor=link.floor,
            phone_masked=link.phone_masked,
            phone=link.phone if full else None,
        )
        for link in selectors.responsibility_chain(area, floor)
    ]
