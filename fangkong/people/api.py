"""The people registry API: persons, households, key categories, duplicates, merge, imports."""

import datetime as dt
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from fangkong.areas.models import Area
from fangkong.core import audit
from fangkong.core.actors import Actor, AuthedRequest
from fangkong.core.api import ErrorOut, Page, StrictSchema, filter_list
from fangkong.core.errors import ValidationFailed
from fangkong.core.permissions import require
from fangkong.core.pii import may_reveal
from fangkong.core.scoping import from_first_in_scope, get_visible_or_404
from fangkong.core.uploads import read_upload
from fangkong.core.versioning import etag, expected_version
from fangkong.people import duplicates, filters, selectors, services
from fangkong.people.choices import DocType, Sex
from fangkong.people.models import Household, ImportJob, KeyCategory
from fangkong.people.services import imports

router = Router(tags=["people"])
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# --- schemas ---------------------------------------------------------------------------------
class CategoryRef(Schema):
    id: int
    code: str
    name: str


class HouseholdRef(Schema):
    id: int
    address: str
    floor: int | None
    area_id: int


class PersonOut(Schema):
    id: int
    name: str
    doc_type: str
    id_number_masked: str
    sex: str
    birth_date: dt.date | None = Field(
        None,
        description="Only for roles that may reveal personal data (pii.reveal); null for the "
        "others, which see birth_year (a date beside the masked number would rebuild it)",
    )
    birth_year: int | None
    phone_masked: str
    area_id: int
    area_name: str = Field(..., alias="area.name")
    household_id: int | None
    version: int = Field(..., description="Send it back with a change (or as If-Match)")

    @staticmethod
    def resolve_birth_date(obj: Any, context: Any) -> dt.date | None:
        request = (context or {}).get("request")
        return obj.birth_date if may_reveal(getattr(request, "user", None)) else None

    @staticmethod
    def resolve_birth_year(obj: Any) -> int | None:
        return obj.birth_date.year if obj.birth_date else None


class PersonChainLinkOut(Schema):  # not ChainLinkOut: areas has one
    level: str
    area: str
    role: str
    name: str
    phone: str


class PersonDetailOut(PersonOut):
    notes: str
    household: HouseholdRef | None
    categories: list[CategoryRef]
    chain: list[PersonChainLinkOut]


class PersonQuery(Schema):
    """The query of ``/persons``: the person list page's filter set (people/filters.py)."""

    q: str = Field("", max_length=60, description="ID number, phone, name or pinyin initials")
    area: int | None = Field(None, description="Only this area (one of yours) and below")
    category: str = Field("", max_length=32, description="Key category code")
    household: int | None = Field(None, description="Members of this household")
    sex: Sex | None = None
    doc_type: DocType | None = None


class HouseholdQuery(Schema):
    """The query of ``/households``: the household list page's filter set."""

    q: str = Field("", max_length=100, description="Part of the address")
    area: int | None = Field(None, description="Only this area (one of yours) and below")


class PersonIn(StrictSchema):
    area_id: int
    name: str = Field(..., max_length=60)
    doc_type: DocType = DocType.RESIDENT_ID
    id_number: str = Field("", max_length=40)
    sex: Sex | None = None
    birth_date: dt.date | None = None
    phone: str = Field("", max_length=20)
    household_id: int | None = None
    categories: list[str] = Field(default_factory=list, description="Key category codes")
    notes: str = Field("", max_length=2000)


class PersonUpdateIn(PersonIn):
    version: int | None = Field(
        None, ge=1, description="The version you read (GET's version or ETag); or If-Match"
    )


class PersonCreated(Schema):
    created: bool
    person: PersonOut


class HouseholdOut(HouseholdRef):
    area_name: str = Field(..., alias="area.name")
    notes: str


class HouseholdDetailOut(HouseholdOut):
    members: list[PersonOut] = Field(..., alias="active_members")
    chain: list[PersonChainLinkOut]


class HouseholdIn(StrictSchema):
    area_id: int
    address: str = Field(..., max_length=200)
    floor: int | None = None
    notes: str = Field("", max_length=2000)


class CategoryOut(CategoryRef):
    description: str
    active: bool
    sort_order: int
    persons: int = Field(0, alias="person_count", description="Persons in your areas")


class CategoryIn(StrictSchema):
    code: str = Field(..., max_length=32)
    name: str = Field(..., max_length=100)
    description: str = Field("", max_length=2000)
    active: bool = True
    sort_order: int = Field(0, ge=0, le=32767)


class TownshipCountOut(Schema):
    township_id: int
    township_code: str
    township_name: str
    total: int
    by_category: dict[str, int] = Field(..., description="category code -> persons")


class RescanOut(Schema):
    id: int
    started_at: dt.datetime
    finished_at: dt.datetime | None
    running: bool = Field(..., description="the scan has not finished yet")
    candidates: int = Field(..., description="records found in a group, once finished")
    error: str

    @staticmethod
    def resolve_running(obj: Any) -> bool:
        return bool(obj.running)


class DuplicateGroupOut(Schema):
    reason: str = Field(
        ...,
        description="same_id (one document number registered twice, e.g. by two townships), "
        "name_birth or name_phone",
    )
    name: str
    persons: list[PersonOut]


class MergeIn(StrictSchema):
    keep_id: int
    drop_id: int


class ImportJobOut(Schema):
    id: int
    filename: str
    mode: str
    status: str
    total_rows: int
    processed_rows: int
    created_count: int
    matched_count: int
    households_created: int
    error_count: int
    message: str
    finished: bool


class RowErrorOut(Schema):
    row: int
    field: str
    message: str


# --- helpers ---------------------------------------------------------------------------------
def _area(user: Actor, pk: int) -> Area:
    return get_visible_or_404(Area, user, pk=pk, error_field="area_id")


def _household(user: Actor, pk: int | None) -> Household | None:
    if pk is None:
        return None
    return get_visible_or_404(Household, user, pk=pk, error_field="household_id")


def _categories(codes: list[str]) -> list[KeyCategory]:
    found = {c.code: c for c in KeyCategory.objects.filter(code__in=codes, active=True)}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise ValidationFailed(
            _("Unknown key category %(c)s.") % {"c": ", ".join(unknown)}, field="categories"
        )
    return [found[c] for c in codes]


def _chain(area: Any, floor: int | None, full: bool) -> list[dict[str, str]]:
    out = []
    for link in selectors.chain_for(area, floor=floor):
        phone = getattr(link, "phone", "") if full else getattr(link, "phone_masked", "")
        out.append(
            {
                "level": str(getattr(link, "level_label", "") or getattr(link, "level", "")),
                "area": str(getattr(link, "area", "")),
                "role": str(getattr(link, "role_label", "") or getattr(link, "role", "")),
                "name": str(getattr(link, "name", "")),
                "phone": phone or "",
            }
        )
    return out


def _person_data(p: PersonIn) -> services.PersonData:
    return services.PersonData(
        name=p.name,
        doc_type=p.doc_type,
        id_number=p.id_number,
        sex=p.sex or "",
        birth_date=p.birth_date,
        phone=p.phone,
        notes=p.notes,
    )


def _person_detail(request: AuthedRequest, person: Any, full_chain: bool) -> Any:
    if full_chain:
        require(request.user, "pii.reveal")
        audit.record(audit.Action.REVEAL, person, by=request.user, detail="responsibility chain")
    floor = person.household.floor if person.household_id else None
    person.chain = _chain(person.area, floor, full_chain)
    return person


# --- persons ---------------------------------------------------------------------------------
@router.get("/persons", response=list[PersonOut], summary="Search and list persons in your areas")
@paginate(Page)
def list_persons(request: AuthedRequest, query: Query[PersonQuery]):
    """`q` is one search box: an exact ID number or phone, a name prefix, or pinyin initials
    (`zs` finds 张三). The filters are the person list page's; an area or key category that
    is not one of yours is refused (422 naming the field)."""
    require(request.user, "person.view")
    user = request.user
    persons = selectors.persons_for(user)
    listed = filter_list(request, filters.PersonFilter, query, queryset=persons,
                         total=lambda: selectors.persons_total(user))  # fmt: skip
    return from_first_in_scope(listed, user).order_by("pk")


@router.get(
    "/persons/{person_id}",
    response={200: PersonDetailOut, **ERRORS},
    summary="One person: household, key categories and responsibility chain",
)
def get_person(
    request: AuthedRequest, response: HttpResponse, person_id: int, full_chain: bool = False
):
    """`full_chain=true` shows the chain's phone numbers in full (pii.reveal; logged). The
    `ETag` header holds the person's version, for `If-Match` on a change."""
    require(request.user, "person.view")
    person = get_visible_or_404(
        selectors.persons_for(request.user).select_related("household"), request.user, pk=person_id
    )
    response["ETag"] = etag(person.version)
    return _person_detail(request, person, full_chain)


@router.post(
    "/persons",
    response={201: PersonCreated, 200: PersonCreated, **ERRORS},
    summary="Register a person (an ID number already in your areas returns that person)",
)
def create_person(request: AuthedRequest, payload: PersonIn):
    require(request.user, "person.edit")
    person, created = services.create_person(
        by=request.user,
        area=_area(request.user, payload.area_id),
        data=_person_data(payload),
        household=_household(request.user, payload.household_id),
        categories=_categories(payload.categories),
    )
    return Status(201 if created else 200, {"created": created, "person": person})


@router.put("/persons/{person_id}", response={200: PersonOut, **ERRORS}, summary="Change a person")
def update_person(
    request: AuthedRequest, response: HttpResponse, person_id: int, payload: PersonUpdateIn
):
    """Send the `version` you read (or `If-Match` with its `ETag`): if someone else changed
    the person since, nothing is written and the answer is 409 `stale_version`, with the
    current version in the message and the `ETag` header."""
    require(request.user, "person.edit")
    person = get_visible_or_404(selectors.persons_for(request.user), request.user, pk=person_id)
    try:
        person = services.update_person(
            person,
            by=request.user,
            area=_area(request.user, payload.area_id),
            data=_person_data(payload),
            household=_household(request.user, payload.household_id),
            categories=_categories(payload.categories),
            version=expected_version(request, payload.version),
        )
    except services.StaleVersion as exc:
        response["ETag"] = etag(exc.current)
        return Status(409, {"error": exc.as_dict()})
    response["ETag"] = etag(person.version)
    return person


# --- households ------------------------------------------------------------------------------
@router.get("/households", response=list[HouseholdOut], summary="Households in your areas")
@paginate(Page)
def list_households(request: AuthedRequest, query: Query[HouseholdQuery]):
    require(request.user, "person.view")
    user = request.user
    households = selectors.households_for(user)
    listed = filter_list(request, filters.HouseholdFilter, query, queryset=households,
                         total=lambda: selectors.households_total(user))  # fmt: skip
    return from_first_in_scope(listed, user).order_by("pk")


@router.get(
    "/households/{household_id}",
    response={200: HouseholdDetailOut, **ERRORS},
    summary="One household with its members and responsibility chain",
)
def get_household(request: AuthedRequest, household_id: int):
    require(request.user, "person.view")
    h = get_visible_or_404(selectors.households_for(request.user), request.user, pk=household_id)
    h.active_members = list(selectors.persons_for(request.user).filter(household=h).order_by("pk"))
    h.chain = _chain(h.area, h.floor, False)
    return h


@router.post("/households", response={201: HouseholdOut, **ERRORS}, summary="Register a household")
def create_household(request: AuthedRequest, payload: HouseholdIn):
    require(request.user, "person.edit")
    h = services.create_household(
        by=request.user,
        area=_area(request.user, payload.area_id),
        address=payload.address,
        floor=payload.floor,
        notes=payload.notes,
    )
    return Status(201, h)


@router.put(
    "/households/{household_id}",
    response={200: HouseholdOut, **ERRORS},
    summary="Change a household (its members move with it)",
)
def update_household(request: AuthedRequest, household_id: int, payload: HouseholdIn):
    require(request.user, "person.edit")
    h = get_visible_or_404(selectors.households_for(request.user), request.user, pk=household_id)
    return services.update_household(
        h,
        by=request.user,
        area=_area(request.user, payload.area_id),
        address=payload.address,
        floor=payload.floor,
        notes=payload.notes,
    )


# --- key categories --------------------------------------------------------------------------
@router.get(
    "/categories",
    response=list[CategoryOut],
    summary="Key-person categories (12类重点人员) with persons in your areas",
)
def list_categories(request: AuthedRequest):
    require(request.user, "person.view")
    counts = selectors.category_counts(request.user)
    cats = list(KeyCategory.objects.all())
    for c in cats:
        c.person_count = counts.get(c.pk, 0)  # type: ignore[attr-defined]
    return cats


@router.get(
    "/categories/counts",
    response=list[TownshipCountOut],
    summary="Persons per key category per township in your areas",
)
def category_township_counts(request: AuthedRequest):
    require(request.user, "person.view")
    codes = dict(KeyCategory.objects.values_list("pk", "code"))
    return [
        {
            "township_id": t.township.pk,
            "township_code": t.township.code,
            "township_name": t.township.name,
            "total": t.total,
            "by_category": {codes[k]: v for k, v in t.counts.items()},
        }
        for t in selectors.counts_by_township(request.user)
    ]


@router.post("/categories", response={201: CategoryOut, **ERRORS}, summary="Add a key category")
def create_category(request: AuthedRequest, payload: CategoryIn):
    return Status(201, services.create_category(by=request.user, **payload.dict()))


@router.put(
    "/categories/{category_id}",
    response={200: CategoryOut, **ERRORS},
    summary="Change or retire a key category",
)
def update_category(request: AuthedRequest, category_id: int, payload: CategoryIn):
    require(request.user, "category.manage")
    cat = get_visible_or_404(KeyCategory, request.user, pk=category_id)
    return services.update_category(cat, by=request.user, **payload.dict())


# --- duplicates and merge --------------------------------------------------------------------
@router.get(
    "/duplicates",
    response={200: list[DuplicateGroupOut], 403: ErrorOut},
    summary="Likely duplicate persons in your areas (same document number, or same name and "
    "birth date or phone)",
)
def list_duplicates(request: AuthedRequest, limit: int = Query(100, ge=1, le=500)):
    require(request.user, "person.merge")
    return [
        {"reason": g.reason, "name": g.name, "persons": g.persons}
        for g in selectors.likely_duplicates(request.user, limit=limit)
    ]


@router.post(
    "/duplicates/rescan",
    response={202: RescanOut, **ERRORS},
    summary="Rebuild the likely-duplicates table in the background (one rescan at a time: "
    "409 rescan_running while one runs)",
)
def rescan_duplicates(request: AuthedRequest):
    return Status(202, duplicates.start_rescan(by=request.user))


class LastRescanOut(Schema):
    last: RescanOut | None = Field(..., description="null when no rescan has run yet")


@router.get(
    "/duplicates/rescan",
    response={200: LastRescanOut, **ERRORS},
    summary="The last rescan for duplicates: when it started and ended, what it found",
)
def last_rescan(request: AuthedRequest):
    require(request.user, "person.rescan_duplicates")
    return {"last": duplicates.last_scan()}


@router.post(
    "/merge",
    response={200: PersonOut, **ERRORS},
    summary="Merge two records of one person: every reference moves to the kept one",
)
def merge(request: AuthedRequest, payload: MergeIn):
    require(request.user, "person.merge")
    persons = selectors.persons_for(request.user)
    keep = get_visible_or_404(persons, request.user, pk=payload.keep_id, error_field="keep_id")
    drop = get_visible_or_404(persons, request.user, pk=payload.drop_id, error_field="drop_id")
    return services.merge_persons(keep, drop, by=request.user)


# --- imports ---------------------------------------------------------------------------------
@router.post(
    "/imports",
    response={201: ImportJobOut, **ERRORS},
    summary="Upload a person sheet (.xlsx) to import in the background",
)
def create_import(
    request: AuthedRequest,
    file: File[UploadedFile],
    mode: Form[ImportJob.Mode] = ImportJob.Mode.ALL_OR_NOTHING,
):
    """`mode`: `all` imports nothing when any row is bad; `good` imports the good rows."""
    job = imports.start_import(
        by=request.user,
        filename=file.name or "",
        content=read_upload(file, max_bytes=imports.MAX_BYTES),
        mode=mode,
    )
    return Status(201, job)


@router.get(
    "/imports/{job_id}", response={200: ImportJobOut, **ERRORS}, summary="An import's progress"
)
def get_import(request: AuthedRequest, job_id: int):
    require(request.user, "person.import")
    return imports.get_import_job(request.user, job_id)


@router.get(
    "/imports/{job_id}/errors",
    response=list[RowErrorOut],
    summary="An import's bad rows: row number, column and reason",
)
@paginate(Page)
def get_import_errors(request: AuthedRequest, job_id: int):
    require(request.user, "person.import")
    return imports.get_import_job(request.user, job_id).row_errors.all()
