"""Writes on persons and households. Every write is validated, atomic and audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from fangkong.core import audit
from fangkong.core.errors import ValidationFailed
from fangkong.core.permissions import require, require_area
from fangkong.core.pii import blind_index
from fangkong.core.timeline import record_event
from fangkong.people.choices import DocType, Sex
from fangkong.people.idnumber import IdNumberError, normalise_id, parse_resident_id, validate_phone
from fangkong.people.models import Household, Person


def pinyin_initials(name: str) -> str:
    """``张三`` -> ``zs``; Latin letters are kept, lower-cased."""
    return "".join(p[0] for p in lazy_pinyin(name, style=Style.FIRST_LETTER) if p).lower()[:30]


@dataclass
class PersonData:
    name: str
    doc_type: str = DocType.RESIDENT_ID
    id_number: str = ""
    sex: str = ""
    birth_date: dt.date | None = None
    phone: str = ""
    notes: str = ""


def clean_person_data(data: PersonData) -> dict[str, Any]:
    """Validate one person's fields; raise ValidationFailed naming every bad field."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    name = (data.name or "").strip()
    if not name:
        errors.setdefault("name", []).append(_("A name is required."))
    elif len(name) > 60:
        errors.setdefault("name", []).append(_("At most 60 characters."))
    out["name"] = name
    if data.doc_type not in DocType.values:
        errors.setdefault("doc_type", []).append(_("Unknown document type."))
    out["doc_type"] = data.doc_type
    number = normalise_id(data.id_number or "")
    out["id_number"] = number
    out["sex"] = data.sex or Sex.UNKNOWN
    out["birth_date"] = data.birth_date
    if data.doc_type == DocType.RESIDENT_ID and number:
        try:
            rid = parse_resident_id(number)
        except IdNumberError as exc:
            errors.setdefault("id_number", []).append(str(exc))
        else:
            if data.birth_date and data.birth_date != rid.birth_date:
                errors.setdefault("birth_date", []).append(
                    _("The ID number gives the birth date %(d)s.") % {"d": rid.birth_date}
                )
            if data.sex and data.sex != Sex.UNKNOWN and data.sex != rid.sex:
                errors.setdefault("sex", []).append(
                    _("The ID number gives the sex %(s)s.") % {"s": Sex(rid.sex).label}
                )
            out["birth_date"], out["sex"] = rid.birth_date, rid.sex
    elif len(number) > 40:
        errors.setdefault("id_number", []).append(_("At most 40 characters."))
    try:
        out["phone"] = validate_phone(data.phone or "")
    except IdNumberError as exc:
        errors.setdefault("phone", []).append(str(exc))
    out["notes"] = (data.notes or "").strip()
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    return out


def find_by_id_number(number: str, qs=None) -> Person | None:
    if not number:
        return None
    qs = qs if qs is not None else Person.objects.all()
    return qs.filter(id_number_index=blind_index(number)).order_by("pk").first()


@transaction.atomic
def create_person(
    *, by: Any, area: Any, data: PersonData, household: Household | None = None
) -> tuple[Person, bool]:
    """Create a person, or return the existing one with the same document number.

    Returns ``(person, created)``."""
    require(by, "person.edit")
    require_area(by, area)
    if household is not None and household.area_id != area.pk:
        raise ValidationFailed(_("The household is in another area."), field="household")
    values = clean_person_data(data)
    existing = find_by_id_number(values["id_number"])
    if existing is not None:
        return existing, False
    person = Person(
        area=area,
        household=household,
        created_by=by,
        name_initials=pinyin_initials(values["name"]),
        **values,
    )
    person.save()
    audit.record(audit.Action.CREATE, person, by=by, after=audit.snapshot(person))
    record_event(person, "registered", _("Registered"), by=by)
    return person, True


@transaction.atomic
def create_household(*, by: Any, area: Any, address: str, floor: int | None = None) -> Household:
    require(by, "person.edit")
    require_area(by, area)
    address = (address or "").strip()
    if not address:
        raise ValidationFailed(_("An address is required."), field="address")
    household = Household.objects.create(
        area=area, address=address[:200], floor=floor, created_by=by
    )
    audit.record(audit.Action.CREATE, household, by=by, after=audit.snapshot(household))
    return household
