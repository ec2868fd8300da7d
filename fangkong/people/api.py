import datetime as dt

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from fangkong.areas.models import Area
from fangkong.core.api import ErrorOut, Page, StrictSchema
from fangkong.core.errors import NotFound
from fangkong.core.permissions import require
from fangkong.people import selectors, services
from fangkong.people.choices import DocType, Sex

router = Router(tags=["people"])


class PersonOut(Schema):
    id: int
    name: str
    doc_type: str
    id_number_masked: str
    sex: str
    birth_date: dt.date | None
    phone_masked: str
    area_id: int
    area_name: str = Field(..., alias="area.name")
    household_id: int | None


class PersonFilter(Schema):
    q: str = Field("", max_length=60, description="ID number, phone, name or pinyin initials")
    area: int | None = Field(None, description="Only this area and below")


@router.get("/persons", response=list[PersonOut], summary="Persons in your areas")
@paginate(Page)
def list_persons(request: HttpRequest, filters: Query[PersonFilter]):
    require(request.user, "person.view")
    qs = selectors.search_persons(request.user, filters.q)
    if filters.area:
        area = Area.objects.filter(pk=filters.area).first()
        if area is None:
            return qs.none()
        qs = qs.filter(area__path__startswith=area.path)
    return qs.order_by("pk")


@router.get("/persons/{person_id}", response={200: PersonOut, 404: ErrorOut})
def get_person(request: HttpRequest, person_id: int):
    require(request.user, "person.view")
    return get_object_or_404(selectors.persons_for(request.user), pk=person_id)


class PersonIn(StrictSchema):
    area_id: int
    name: str = Field(..., max_length=60)
    doc_type: DocType = DocType.RESIDENT_ID
    id_number: str = Field("", max_length=40)
    sex: Sex | None = None
    birth_date: dt.date | None = None
    phone: str = Field("", max_length=20)
    household_id: int | None = None
    notes: str = Field("", max_length=2000)


class PersonCreated(Schema):
    created: bool
    person: PersonOut


@router.post(
    "/persons",
    response={201: PersonCreated, 200: PersonCreated, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Register a person (an existing ID number returns the existing person)",
)
def create_person(request: HttpRequest, payload: PersonIn):
    require(request.user, "person.edit")
    area = Area.objects.filter(pk=payload.area_id).first()
    if area is None:
        raise NotFound("No such area.", field="area_id")
    household = None
    if payload.household_id is not None:
        from fangkong.people.models import Household

        household = (
            Household.objects.visible_to(request.user).filter(pk=payload.household_id).first()
        )
        if household is None:
            raise NotFound("No such household.", field="household_id")
    data = services.PersonData(
        name=payload.name,
        doc_type=payload.doc_type,
        id_number=payload.id_number,
        sex=payload.sex or "",
        birth_date=payload.birth_date,
        phone=payload.phone,
        notes=payload.notes,
    )
    person, created = services.create_person(
        by=request.user, area=area, data=data, household=household
    )
    return (201 if created else 200), {"created": created, "person": person}
