"""Writes on persons. Every write is validated, atomic and audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.errors import Conflict, NotFound, ValidationFailed
from fangkong.core.permissions import require, require_area
from fangkong.core.pii import blind_index
from fangkong.core.pinyin import pinyin_initials
from fangkong.core.text import control_errors
from fangkong.core.timeline import record_event
from fangkong.people.choices import DocType, PersonStatus, Sex
from fangkong.people.idnumber import IdNumberError, normalise_id, parse_resident_id, validate_phone
from fangkong.people.models import Household, KeyCategory, Person


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
    if data.sex and data.sex not in Sex.values:
        errors.setdefault("sex", []).append(_("Unknown sex."))
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
    if out["birth_date"] and out["birth_date"] > dt.date.today():  # noqa: DTZ011
        errors.setdefault("birth_date", []).append(_("The birth date lies in the future."))
    try:
        out["phone"] = validate_phone(data.phone or "")
    except IdNumberError as exc:
        errors.setdefault("phone", []).append(str(exc))
    out["notes"] = (data.notes or "").strip()
    for key, messages in control_errors(
        {"name": name, "id_number": number, "phone": data.phone, "notes": out["notes"]}
    ).items():
        errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    return out


def find_by_id_number(number: str, qs=None) -> Person | None:
    """The active person holding this document number (merged records lead to their keeper)."""
    if not number:
        return None
    qs = qs if qs is not None else Person.objects.all()
    found = qs.filter(id_number_index=blind_index(number)).order_by("status", "pk").first()
    while found is not None and found.status == PersonStatus.MERGED and found.merged_into_id:
        found = Person.objects.get(pk=found.merged_into_id)
    return found


def held_elsewhere(number: str, by: Actor, *, exclude: Any = None) -> bool:
    """Whether an active person outside ``by``'s areas holds this document number. Never
    shown to ``by``: such a registration goes ahead and waits for the county to reconcile."""
    if not number:
        return False
    qs = Person.objects.filter(id_number_index=blind_index(number), status=PersonStatus.ACTIVE)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.exclude(pk__in=Person.objects.visible_to(by).values("pk")).exists()


RECONCILE = "document number also registered outside the user's areas: to reconcile"


def _check_household(by: Actor, area: Any, household: Household | None) -> None:
    if household is None:
        return
    if not Household.objects.visible_to(by).filter(pk=household.pk).exists():
        raise NotFound(_("No such household within your areas."), field="household")
    if household.area_id != area.pk:
        raise ValidationFailed(
            _("The household is in another area (%(a)s).") % {"a": household.area},
            field="household",
        )


@transaction.atomic
def create_person(
    *,
    by: Actor,
    area: Any,
    data: PersonData,
    household: Household | None = None,
    categories: Iterable[KeyCategory] = (),
) -> tuple[Person, bool]:
    """Create a person, or return the existing one with the same document number when the
    user can see it.

    A number held only outside the user's areas is not disclosed, not even by refusing: the
    person is registered as asked, and the two records wait in the county command centre's
    likely duplicates (same document number) to be merged. Returns ``(person, created)``."""
    require(by, "person.edit")
    require_area(by, area)
    _check_household(by, area, household)
    values = clean_person_data(data)
    visible = Person.objects.visible_to(by)
    existing = find_by_id_number(values["id_number"], visible)
    if existing is not None and visible.filter(pk=existing.pk).exists():
        return existing, False
    elsewhere = held_elsewhere(values["id_number"], by)
    person = Person(
        area=area,
        household=household,
        created_by=by,
        name_initials=pinyin_initials(values["name"]),
        **values,
    )
    person.save()
    categories = list(categories)
    if categories:
        person.categories.set(categories)
    after = audit.snapshot(person)
    after["categories"] = sorted(c.code for c in categories)
    audit.record(
        audit.Action.CREATE, person, by=by, after=after, detail=RECONCILE if elsewhere else ""
    )
    record_event(person, "registered", _("Registered"), by=by)
    return person, True


class StaleVersion(Conflict):
    """An edit of an older version of a person than the one saved: someone else changed
    it meanwhile. ``current`` is the version now saved."""

    def __init__(self, person: Person, yours: int):
        self.current = person.version
        super().__init__(
            _(
                "%(name)s was changed by someone else while you were editing (now version "
                "%(current)d, you edited version %(yours)d). Nothing was saved: reload to see "
                "their changes, then make yours again."
            )
            % {"name": person.name, "current": person.version, "yours": yours},
            field="version",
            code="stale_version",
        )


def _person_state(person: Person) -> dict[str, Any]:
    state = audit.snapshot(person) or {}
    state["categories"] = sorted(person.categories.values_list("code", flat=True))
    return state


@transaction.atomic
def update_person(
    person: Person,
    *,
    by: Actor,
    area: Any,
    data: PersonData,
    household: Household | None = None,
    categories: Iterable[KeyCategory] | None = None,
    version: int | None = None,
) -> Person:
    """Change a person's details; a document number held by someone else is a conflict.

    ``version``: the version the editor read (the form's hidden field, the API's version
    or If-Match). When someone else has saved since, nothing is written: Conflict
    ``stale_version`` naming ``version``, with the current one. Each change adds one."""
    require(by, "person.edit")
    person = Person.objects.select_for_update().get(pk=person.pk)
    require_area(by, person.area)
    require_area(by, area)
    if person.status != PersonStatus.ACTIVE:
        raise Conflict(_("This record was merged into another; edit that one."))
    if version is not None and version != person.version:
        raise StaleVersion(person, version)
    _check_household(by, area, household)
    values = clean_person_data(data)
    if values["id_number"]:
        other = (
            Person.objects.visible_to(by)
            .filter(id_number_index=blind_index(values["id_number"]), status=PersonStatus.ACTIVE)
            .exclude(pk=person.pk)
            .first()
        )
        if other is not None:
            raise Conflict(
                _("Another person already holds this document number; merge the two instead."),
                field="id_number",
            )
    # held outside the user's areas: saved all the same, for the county to reconcile
    elsewhere = values["id_number"] != person.id_number and held_elsewhere(
        values["id_number"], by, exclude=person
    )
    before = _person_state(person)
    for key, value in values.items():
        setattr(person, key, value)
    person.name_initials = pinyin_initials(values["name"])
    person.area = area
    person.household = household
    person.version += 1  # under the row lock taken above
    person.save()
    if categories is not None:
        person.categories.set(list(categories))
    after = _person_state(person)
    audit.record(
        audit.Action.UPDATE,
        person,
        by=by,
        before=before,
        after=after,
        detail=RECONCILE if elsewhere else "",
    )
    changed = sorted(k for k in after if k != "version" and before.get(k) != after.get(k))
    if changed:
        record_event(person, "updated", _("Details changed"), by=by, data={"fields": changed})
    return person


def persons_written(person_ids: list[int]) -> None:
    """After a bulk write of persons (``BulkInserter``, ``QuerySet.update`` of their names,
    areas, numbers or categories), which no save signal announces: keep the likely
    duplicates and the search index, and retire the registry's cached counts. Call inside
    the writing transaction."""
    from fangkong.core import counts
    from fangkong.people import duplicates, fragments

    duplicates.refresh(person_ids)
    fragments.refresh(person_ids)
    counts.changed(counts.PERSONS)
