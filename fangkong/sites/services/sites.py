"""Registering isolation sites and their rooms."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.errors import ValidationFailed
from fangkong.core.permissions import require, require_area
from fangkong.core.timeline import record_event
from fangkong.people.idnumber import IdNumberError, validate_phone
from fangkong.sites.choices import RoomState, SiteKind, SiteStatus
from fangkong.sites.models import IsolationSite, Room
from fangkong.sites.states import SiteMachine

MAX_ROOMS_PER_CALL = 5000


@dataclass
class SiteData:
    name: str
    kind: str
    address: str
    area: Any
    manager_name: str = ""
    manager_phone: str = ""
    contacts: str = ""
    status: str = SiteStatus.ACTIVE
    ready_date: dt.date | None = None
    planned_beds: int = 0
    turnover_target_hours: int = 4
    notes: str = ""


def _clean_site(data: SiteData) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}

    def bad(name: str, msg: str) -> None:
        errors.setdefault(name, []).append(msg)

    out: dict[str, Any] = {}
    out["name"] = (data.name or "").strip()
    if not out["name"]:
        bad("name", _("A name is required."))
    elif len(out["name"]) > 100:
        bad("name", _("At most 100 characters."))
    if data.kind not in SiteKind.values:
        bad("kind", _("Unknown site kind."))
    out["kind"] = data.kind
    out["address"] = (data.address or "").strip()
    if not out["address"]:
        bad("address", _("An address is required."))
    if data.area is None:
        bad("area", _("An area is required."))
    out["area"] = data.area
    if data.status not in SiteStatus.values:
        bad("status", _("Unknown status."))
    out["status"] = data.status
    out["ready_date"] = data.ready_date
    out["planned_beds"] = data.planned_beds or 0
    if out["planned_beds"] < 0:
        bad("planned_beds", _("Planned beds cannot be negative."))
    if data.status == SiteStatus.BUILDING:
        if data.ready_date is None:
            bad("ready_date", _("A site being built or renovated needs a ready date."))
        if not out["planned_beds"]:
            bad("planned_beds", _("A site being built or renovated needs its planned beds."))
    if not 1 <= (data.turnover_target_hours or 0) <= 72:
        bad("turnover_target_hours", _("Between 1 and 72 hours."))
    out["turnover_target_hours"] = data.turnover_target_hours
    try:
        out["manager_phone"] = validate_phone(data.manager_phone or "")
    except IdNumberError as exc:
        bad("manager_phone", str(exc))
    out["manager_name"] = (data.manager_name or "").strip()[:60]
    out["contacts"] = (data.contacts or "").strip()
    out["notes"] = (data.notes or "").strip()
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    return out


@transaction.atomic
def create_site(*, by: Actor, data: SiteData) -> IsolationSite:
    require(by, "site.manage")
    values = _clean_site(data)
    require_area(by, values["area"])
    site = IsolationSite.objects.create(created_by=by, **values)
    audit.record(audit.Action.CREATE, site, by=by, after=audit.snapshot(site))
    return site


@transaction.atomic
def update_site(site: IsolationSite, *, by: Actor, data: SiteData) -> IsolationSite:
    require(by, "site.manage")
    require_area(by, site.area, field="site")
    values = _clean_site(data)
    require_area(by, values["area"])
    site = IsolationSite.objects.select_for_update().get(pk=site.pk)
    before = audit.snapshot(site)
    status = values.pop("status")
    if status != site.status:
        SiteMachine.move(site, status)
    for k, v in values.items():
        setattr(site, k, v)
    site.save()
    audit.record(audit.Action.UPDATE, site, by=by, before=before, after=audit.snapshot(site))
    return site


def _check_room_fields(beds: int, floor: int) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not 1 <= beds <= 20:
        errors.setdefault("beds", []).append(_("Between 1 and 20 beds."))
    if not -5 <= floor <= 99:
        errors.setdefault("floor", []).append(_("Floors run from -5 to 99."))
    return errors


@transaction.atomic
def create_room(
    site: IsolationSite,
    *,
    by: Actor,
    number: str,
    floor: int,
    beds: int = 1,
    own_bathroom: bool = True,
    accessible: bool = False,
) -> Room:
    require(by, "site.manage")
    require_area(by, site.area, field="site")
    number = (number or "").strip()
    errors = _check_room_fields(beds, floor)
    if not number or len(number) > 16:
        errors.setdefault("number", []).append(_("A room number of 1 to 16 characters."))
    elif Room.objects.filter(site=site, number=number).exists():
        errors.setdefault("number", []).append(
            _("Room %(n)s already exists at this site.") % {"n": number}
        )
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    room = Room.objects.create(
        site=site,
        number=number,
        floor=floor,
        beds=beds,
        own_bathroom=own_bathroom,
        accessible=accessible,
        state=_initial_state(site),
        created_by=by,
    )
    audit.record(audit.Action.CREATE, room, by=by, after=audit.snapshot(room))
    record_event(room, "created", _("Room created"), by=by, area=site.area)
    return room


def _initial_state(site: IsolationSite) -> str:
    # Rooms of a site not yet open cannot take anyone until the site opens.
    if site.status in (SiteStatus.BUILDING, SiteStatus.CLOSED):
        return RoomState.OUT_OF_SERVICE
    return RoomState.READY


@transaction.atomic
def bulk_create_rooms(
    site: IsolationSite,
    *,
    by: Actor,
    first_floor: int = 1,
    floors: int,
    rooms_per_floor: int,
    first_number: int = 1,
    beds: int = 1,
    own_bathroom: bool = True,
    accessible: bool = False,
) -> list[Room]:
    """Floors × rooms per floor, numbered floor then two digits: 101..120, 201..220.

    All or nothing: a number that already exists refuses the whole call."""
    require(by, "site.manage")
    require_area(by, site.area, field="site")
    errors = _check_room_fields(beds, first_floor)
    if not 1 <= floors <= 60:
        errors.setdefault("floors", []).append(_("Between 1 and 60 floors."))
    if not 1 <= rooms_per_floor <= 99:
        errors.setdefault("rooms_per_floor", []).append(_("Between 1 and 99 rooms per floor."))
    if not 0 <= first_number <= 99 or first_number + rooms_per_floor - 1 > 99:
        errors.setdefault("first_number", []).append(
            _("Room numbers on a floor run from 00 to 99.")
        )
    if first_floor + floors - 1 > 99:
        errors.setdefault("floors", []).append(_("Floors run from -5 to 99."))
    if not errors and floors * rooms_per_floor > MAX_ROOMS_PER_CALL:
        errors.setdefault("rooms_per_floor", []).append(
            _("At most %(n)d rooms in one call.") % {"n": MAX_ROOMS_PER_CALL}
        )
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    plan = [
        (floor, f"{floor}{n:02d}")
        for floor in range(first_floor, first_floor + floors)
        for n in range(first_number, first_number + rooms_per_floor)
    ]
    taken = set(
        Room.objects.filter(site=site, number__in=[n for _f, n in plan]).values_list(
            "number", flat=True
        )
    )
    if taken:
        shown = ", ".join(sorted(taken)[:10]) + ("…" if len(taken) > 10 else "")
        raise ValidationFailed(
            _("These room numbers already exist at this site: %(n)s.") % {"n": shown},
            field="first_number",
        )
    state = _initial_state(site)
    rooms = Room.objects.bulk_create(
        [
            Room(
                site=site,
                number=number,
                floor=floor,
                beds=beds,
                own_bathroom=own_bathroom,
                accessible=accessible,
                state=state,
                created_by=by,
            )
            for floor, number in plan
        ],
        batch_size=1000,
    )
    if any(r.pk is None for r in rooms):  # a backend without RETURNING
        rooms = list(Room.objects.filter(site=site, number__in=[n for _f, n in plan]))
    audit.record_many_created(rooms, by=by, detail=f"bulk: {floors}x{rooms_per_floor}")
    return rooms
