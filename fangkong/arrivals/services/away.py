"""The residents-elsewhere ledger (在外人员台账): who is away, where, since when, and when
expected back, kept by cadres and from Excel. An expected return becomes an expected
arrival in the arrivals ledger, handed to the home village."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.areas.models import Area
from fangkong.arrivals import sheet
from fangkong.arrivals.choices import ArrivalSource, AwayStatus
from fangkong.arrivals.models import ResidentAway
from fangkong.arrivals.services._common import Errors, check_rows, clean_text
from fangkong.arrivals.services.arrivals import (
    Resolver,
    clean_id,
    clean_phone,
    receiving_areas,
    record_arrivals,
)
from fangkong.arrivals.states import AwayMachine
from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.permissions import require
from fangkong.core.pii import blind_index
from fangkong.core.scoping import within
from fangkong.people.choices import DocType, PersonStatus
from fangkong.people.models import Person

MAX_AHEAD = dt.timedelta(days=366)


@dataclass
class AwayData:
    name: str
    id_number: str
    area_id: int | None
    whereabouts_province: str
    doc_type: str = DocType.RESIDENT_ID
    phone: str = ""
    whereabouts_city: str = ""
    whereabouts: str = ""
    away_since: dt.date | None = None
    expected_return: dt.date | None = None
    notes: str = ""


def _clean(
    data: AwayData, errors: Errors, areas: dict[int, Area], by: Actor, prefix: str = ""
) -> dict[str, Any]:
    sub = Errors()
    v: dict[str, Any] = {}
    v["name"] = clean_text(sub, "name", data.name, max_length=60, required=True)
    v["doc_type"] = data.doc_type
    v["id_number"] = clean_id(sub, data.doc_type, data.id_number)
    v["phone"] = clean_phone(sub, data.phone, required=False)
    v["whereabouts_province"] = clean_text(sub, "whereabouts_province", data.whereabouts_province,
                                           max_length=30, required=True)  # fmt: skip
    v["whereabouts_city"] = clean_text(
        sub, "whereabouts_city", data.whereabouts_city, max_length=30
    )
    v["whereabouts"] = clean_text(sub, "whereabouts", data.whereabouts, max_length=200)
    v["notes"] = clean_text(sub, "notes", data.notes, max_length=300)
    area = areas.get(data.area_id) if data.area_id is not None else None
    if area is None or not within(area.path, by.area_paths):
        sub.add("area", _("Choose a village or community within your areas."))
    v["area"] = area
    today = timezone.localdate()
    if data.away_since and data.away_since > today:
        sub.add("away_since", _("This date is in the future."))
    if data.expected_return and not (
        today - MAX_AHEAD <= data.expected_return <= today + MAX_AHEAD
    ):
        sub.add("expected_return", _("The expected return must be within a year of today."))
    v["away_since"] = data.away_since
    v["expected_return"] = data.expected_return
    for field, messages in sub.fields.items():
        for m in messages:
            errors.add(prefix + field, m)
    return v


def _expected_arrival(entry: ResidentAway, by: Actor) -> None:
    """The entry's expected return as a pending arrival of the home village (an arrival
    already pending for this person is updated)."""
    if entry.expected_return is None or entry.status == AwayStatus.RETURNED:
        return
    household = entry.person.household if entry.person_id and entry.person else None
    values: dict[str, Any] = {
        "name": entry.name, "doc_type": entry.doc_type, "id_number": entry.id_number,
        "phone": entry.phone, "origin_province": entry.whereabouts_province,
        "origin_city": entry.whereabouts_city, "origin_county": "", "origin_street": "",
        "travelled": "", "travel_mode": "other", "travel_number": "", "plate": "",
        "arrival_date": entry.expected_return, "area": entry.area,
        "address": household.address if household else entry.area.name,
        "test_result": "none", "code_colour": "green", "notes": _("Expected return of a resident away"),
    }  # fmt: skip
    Resolver(entry.expected_return).complete(values)
    arrival = record_arrivals([values], source=ArrivalSource.RESIDENT_RETURN, by=by)[0]
    entry.arrival = arrival
    if entry.status != AwayStatus.RETURNING:
        AwayMachine.move(entry, AwayStatus.RETURNING)
    entry.save(update_fields=["arrival", "status", "updated_at"])


def _save(v: dict[str, Any], by: Actor) -> tuple[ResidentAway, bool]:
    person = (
        Person.objects.filter(
            id_number_index=blind_index(v["id_number"]), status=PersonStatus.ACTIVE
        )
        .select_related("household")
        .first()
    )
    key = blind_index(v["id_number"])
    existing = ResidentAway.objects.select_for_update().filter(id_number_index=key).first()
    if existing is None:
        entry = ResidentAway(**v, person=person, created_by=by)
        try:
            with transaction.atomic():
                entry.save()
        except IntegrityError:  # written concurrently: update that one
            existing = ResidentAway.objects.select_for_update().get(id_number_index=key)
        else:
            audit.record(audit.Action.CREATE, entry, by=by, after=audit.snapshot(entry))
            _expected_arrival(entry, by)
            return entry, True
    before = audit.snapshot(existing)
    changed_return = existing.expected_return != v["expected_return"]
    for k, val in v.items():
        setattr(existing, k, val)
    existing.person = existing.person or person
    if existing.status == AwayStatus.RETURNED:
        AwayMachine.move(existing, AwayStatus.AWAY)  # away again
    existing.save()
    audit.record(
        audit.Action.UPDATE, existing, by=by, before=before, after=audit.snapshot(existing)
    )
    if changed_return or existing.arrival_id is None:
        _expected_arrival(existing, by)
    return existing, False


@transaction.atomic
def record_away(data: AwayData, *, by: Actor) -> tuple[ResidentAway, bool]:
    """Enter (or update, by document number) a resident who is away."""
    require(by, "arrival.manage")
    errors = Errors()
    areas = receiving_areas({data.area_id} if isinstance(data.area_id, int) else set())
    v = _clean(data, errors, areas, by)
    errors.raise_if_any()
    return _save(v, by)


@transaction.atomic
def mark_returned(entry: ResidentAway, *, by: Actor) -> ResidentAway:
    require(by, "arrival.manage")
    entry = ResidentAway.objects.select_for_update().get(pk=entry.pk)
    AwayMachine.perform(entry, AwayStatus.RETURNED, by=by)
    return entry


COLUMNS = {
    "name": ("姓名", "name"),
    "id_number": ("身份证号码", "身份证号", "证件号码", "id_number"),
    "phone": ("联系电话", "电话", "手机号码", "phone"),
    "area": ("村(社区)", "村（社区）", "所属村社区", "村社区", "village"),
    "whereabouts_province": ("在外省份", "所在省份", "省", "province"),
    "whereabouts_city": ("在外城市", "所在城市", "市", "city"),
    "whereabouts": ("在外地址", "详细地址", "address"),
    "away_since": ("外出时间", "外出日期", "away_since"),
    "expected_return": ("预计返乡时间", "预计返乡日期", "expected_return"),
}


REQUIRED = {"name", "id_number", "area", "whereabouts_province"}


def home_villages(by: Actor) -> dict[str, Area]:
    """The villages and communities of ``by``'s areas, by name (a sheet names them so)."""
    return {
        a.name: a for a in Area.objects.visible_to(by).filter(kind__in=("village", "community"))
    }


def check_away_row(
    raw: dict[str, Any], errors: Errors, *, villages: dict[str, Area], by: Actor
) -> dict[str, Any]:
    """One sheet row of residents away as an entry's values, its problems added to
    ``errors`` by column key."""
    dates: dict[str, dt.date | None] = {}
    for key in ("away_since", "expected_return"):
        try:
            dates[key] = sheet.date(raw.get(key))
        except ValueError:
            errors.add(key, _("Not a date."))
            dates[key] = None
    area = villages.get(sheet.text(raw.get("area")))
    data = AwayData(
        name=sheet.text(raw.get("name")), id_number=sheet.text(raw.get("id_number")),
        phone=sheet.text(raw.get("phone")), area_id=area.pk if area else None,
        whereabouts_province=sheet.text(raw.get("whereabouts_province")),
        whereabouts_city=sheet.text(raw.get("whereabouts_city")),
        whereabouts=sheet.text(raw.get("whereabouts")),
        away_since=dates["away_since"], expected_return=dates["expected_return"],
    )  # fmt: skip
    return _clean(data, errors, {area.pk: area} if area else {}, by)


def write_away(rows: list[dict[str, Any]], *, by: Actor) -> tuple[int, int]:
    """Checked rows written in one transaction; returns (created, updated)."""
    created = updated = 0
    with transaction.atomic():
        for v in rows:
            _entry, new = _save(v, by)
            created += new
            updated += not new
    return created, updated


def import_away(content: bytes, *, by: Actor) -> tuple[int, int]:
    """A sheet of residents away at once: every row checked first, one bad row refuses
    the file (each bad row named with its number and column); returns (created, updated)."""
    require(by, "arrival.manage")
    villages = home_villages(by)
    checked = check_rows(
        sheet.read_rows(content, COLUMNS, REQUIRED),
        lambda raw, errors: check_away_row(raw, errors, villages=villages, by=by),
    )
    checked.raise_if_any()
    return write_away(checked.values, by=by)
