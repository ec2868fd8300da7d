"""Check-in, moves, release on time, due flags and overstay reasons."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.errors import Conflict, NotFound, ValidationFailed
from fangkong.core.permissions import require, require_area
from fangkong.core.scoping import user_covers_area
from fangkong.core.timeline import record_event
from fangkong.sites.choices import CHECK_IN_STATES, DueFlag, RoomState, StayStatus
from fangkong.sites.models import Room, Stay
from fangkong.sites.services.rooms import label, lock_room, transition

CENTRALIZED = "centralized_isolation"
DEFAULT_REASON = "close_contact"
MINOR_AGE = 18
ELDERLY_AGE = 70


def age_on(birth: dt.date | None, on: dt.date) -> int | None:
    if birth is None:
        return None
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _centralized_phase(person: Any, reason: str, *, by: Any, on: dt.date) -> Any:
    """The person's active centralized-isolation phase; an episode is started for
    ``reason`` when the person has none. None when the active phase is of another kind."""
    from fangkong.control import selectors as control_selectors
    from fangkong.control import services as control_services

    episode = control_selectors.active_episode_for(person)
    if episode is None:
        episode = control_services.start_episode(person, reason, start_date=on, by=by)
    for phase in episode.phases.all():
        if phase.status == "active":
            return phase if phase.kind == CENTRALIZED else None
    return None


def _now(at: dt.datetime | None, field: str = "at") -> dt.datetime:
    now = timezone.now()
    if at is None:
        return now
    if timezone.is_naive(at):
        raise ValidationFailed(_("A time needs its time zone."), field=field)
    if at > now + dt.timedelta(minutes=5):
        raise ValidationFailed(_("This time is in the future."), field=field)
    return at


def _audit_row(obj: Any, *, by: Any, before: dict, after: dict, detail: str = "") -> Any:
    """An unsaved change-log row, as ``audit.record`` writes it (UPDATE, changed fields),
    for writing many in one insert."""
    from fangkong.core.context import request_id_var
    from fangkong.core.models import AuditLog

    before, after = audit.diff(before, after)
    return AuditLog(
        actor=by if getattr(by, "is_authenticated", False) else None,
        actor_name=getattr(by, "username", "") or (str(by) if by else "system"),
        action=audit.Action.UPDATE,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        before=before,
        after=after,
        detail=detail[:500],
        request_id=request_id_var.get(),
    )


def _event_row(
    subject: Any, kind: str, summary: str, *, by: Any, area: Any, at: Any, data: dict | None = None
) -> Any:
    """An unsaved timeline event, as ``record_event`` writes it."""
    from fangkong.core.models import TimelineEvent

    return TimelineEvent(
        at=at,
        subject_type=subject._meta.label_lower,
        subject_id=subject.pk,
        kind=kind,
        summary=str(summary)[:300],
        data=data or {},
        actor=by if getattr(by, "is_authenticated", False) else None,
        area=area,
    )


def _write_logs(audits: list, events: list) -> None:
    from fangkong.core.models import AuditLog, TimelineEvent

    AuditLog.objects.bulk_create(audits, batch_size=500)
    TimelineEvent.objects.bulk_create(events, batch_size=500)


# --- check-in ---------------------------------------------------------------------------


def check_in(
    room: Room,
    persons: Iterable[Any],
    *,
    by: Any,
    reason: str = DEFAULT_REASON,
    at: dt.datetime | None = None,
) -> list[Stay]:
    """Put one person or one household into a ready or reserved room.

    The room row is locked and re-read inside the transaction: of two operators giving
    the same room at once, the second gets Conflict. Raises ValidationFailed (room not
    ready, over its beds, person already in a stay, several households) or NotFound
    (room or person outside the user's areas); nothing is written then."""
    try:
        with transaction.atomic():
            return _check_in(room, list(persons), by=by, reason=reason, at=at)
    except IntegrityError as exc:  # the one-open-stay constraint, raced by another operator
        raise Conflict(
            _("One of these persons was just checked in elsewhere by someone else."),
            field="persons",
        ) from exc


def _check_in(room: Room, persons: list[Any], *, by: Any, reason: str, at: Any) -> list[Stay]:
    require(by, "stay.manage")
    now = _now(at)
    today = timezone.localdate(now)
    require_area(by, room.site.area, field="room")
    unique = list({p.pk: p for p in persons}.values())
    if not unique:
        raise ValidationFailed(_("Choose at least one person."), field="persons")
    for p in unique:
        if not user_covers_area(by, p.area):
            raise NotFound(
                _("%(name)s is not within your areas.") % {"name": p.name}, field="persons"
            )
    households = {p.household_id for p in unique}
    if len(unique) > 1 and (None in households or len(households) > 1):
        raise ValidationFailed(
            _("Only the members of one household share a room; check in others separately."),
            field="persons",
        )
    if room.state not in CHECK_IN_STATES:
        raise ValidationFailed(
            _("Room %(room)s is “%(state)s”; only a ready or reserved room takes a check-in.")
            % {"room": room.number, "state": label(room.state)},
            field="room",
        )
    locked = lock_room(room)
    if locked.state not in CHECK_IN_STATES:
        # It was ready when the operator chose it: someone else took it meanwhile.
        raise Conflict(
            _(
                "Room %(room)s was just taken by someone else (now “%(state)s”); choose "
                "another room."
            )
            % {"room": locked.number, "state": label(locked.state)},
            field="room",
        )
    if len(unique) > locked.beds:
        raise ValidationFailed(
            _("Room %(room)s has %(beds)d bed(s); %(n)d persons do not fit.")
            % {"room": locked.number, "beds": locked.beds, "n": len(unique)},
            field="persons",
        )
    already = (
        Stay.objects.filter(person__in=unique, status=StayStatus.OPEN)
        .select_related("site", "room", "person")
        .first()
    )
    if already is not None:
        raise ValidationFailed(
            _("%(name)s is already in isolation at %(site)s, room %(room)s.")
            % {"name": already.person.name, "site": already.site.name, "room": already.room.number},
            field="persons",
        )
    ages = {p.pk: age_on(p.birth_date, today) for p in unique}
    has_adult = any(a is not None and a >= MINOR_AGE for a in ages.values())
    stays: list[Stay] = []
    for p in unique:
        phase = _centralized_phase(p, reason or DEFAULT_REASON, by=by, on=today)
        a = ages[p.pk]
        stay = Stay(
            person=p,
            room=locked,
            site=locked.site,
            household_id=p.household_id,
            phase=phase,
            check_in_at=now,
            reason=(reason or DEFAULT_REASON)[:40],
            minor_unaccompanied=a is not None and a < MINOR_AGE and not has_adult,
            elderly=a is not None and a >= ELDERLY_AGE,
            created_by=by,
        )
        stay.save()
        stays.append(stay)
    before = audit.snapshot(locked, ["state"])
    transition(locked, RoomState.OCCUPIED, at=now)
    locked.save(update_fields=["state", "state_changed_at", "updated_at"])
    audits, events = [], []
    for stay in stays:
        row = _audit_row(stay, by=by, before={}, after=audit.snapshot(stay) or {})
        row.action, row.before = audit.Action.CREATE, None
        audits.append(row)
        flags = [
            str(f)
            for f, on in (
                (_("unaccompanied minor"), stay.minor_unaccompanied),
                (_("elderly"), stay.elderly),
            )
            if on
        ]
        events.append(
            _event_row(
                stay.person,
                "checked_in",
                _("Checked in at %(site)s, room %(room)s")
                % {"site": locked.site.name, "room": locked.number}
                + (f" ({', '.join(flags)})" if flags else ""),
                by=by,
                area=stay.person.area,
                at=now,
                data={"stay": stay.pk, "site": locked.site_id, "room": locked.pk, "flags": flags},
            )
        )
    audits.append(_audit_row(locked, by=by, before=before or {}, after={"state": locked.state}))
    events.append(
        _event_row(
            locked,
            "occupied",
            _("Checked in: %(names)s") % {"names": "、".join(s.person.name for s in stays)},
            by=by,
            area=locked.site.area,
            at=now,
            data={"stays": [s.pk for s in stays]},
        )
    )
    _write_logs(audits, events)
    room.state = locked.state
    return stays


# --- moves ------------------------------------------------------------------------------


@transaction.atomic
def move(stay: Stay, to_room: Room, *, by: Any, reason: str) -> list[Stay]:
    """Move a person, with the household members in the same room, to another room.

    Closes the old stays (moved) and opens new ones linked to them and to the same
    phase; the old room goes into turnover when it is left empty."""
    require(by, "stay.manage")
    require_area(by, stay.site.area, field="stay")
    require_area(by, to_room.site.area, field="to_room")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why the person is moved."), field="reason")
    if stay.room_id == to_room.pk:
        raise ValidationFailed(_("The person is already in this room."), field="to_room")
    if to_room.state not in CHECK_IN_STATES:
        raise ValidationFailed(
            _("Room %(room)s is “%(state)s”; only a ready or reserved room takes a check-in.")
            % {"room": to_room.number, "state": label(to_room.state)},
            field="to_room",
        )
    # Lock both rooms in a fixed order so two crossing moves cannot deadlock.
    first, second = sorted([stay.room_id, to_room.pk])
    locked = {first: lock_room(first), second: lock_room(second)}
    src, dst = locked[stay.room_id], locked[to_room.pk]
    if dst.state not in CHECK_IN_STATES:
        raise Conflict(
            _(
                "Room %(room)s was just taken by someone else (now “%(state)s”); choose "
                "another room."
            )
            % {"room": dst.number, "state": label(dst.state)},
            field="to_room",
        )
    current = Stay.objects.select_for_update().filter(pk=stay.pk, status=StayStatus.OPEN).first()
    if current is None:
        raise Conflict(_("This stay has already ended."), field="stay")
    group_qs = Stay.objects.filter(room=src, status=StayStatus.OPEN).select_related("person")
    group = (
        list(group_qs.filter(household_id=current.household_id))
        if current.household_id
        else [current]
    )
    if len(group) > dst.beds:
        raise ValidationFailed(
            _("Room %(room)s has %(beds)d bed(s); %(n)d persons do not fit.")
            % {"room": dst.number, "beds": dst.beds, "n": len(group)},
            field="to_room",
        )
    now = timezone.now()
    new_stays: list[Stay] = []
    for old in group:
        old.status = StayStatus.MOVED
        old.check_out_at = now
        old.save(update_fields=["status", "check_out_at", "updated_at"])
        new = Stay.objects.create(
            person=old.person,
            room=dst,
            site=dst.site,
            household_id=old.household_id,
            phase_id=old.phase_id,
            check_in_at=now,
            reason=old.reason,
            minor_unaccompanied=old.minor_unaccompanied,
            elderly=old.elderly,
            moved_from=old,
            overstay_reason=old.overstay_reason,
            created_by=by,
        )
        new_stays.append(new)
        audit.record(
            audit.Action.UPDATE,
            new,
            by=by,
            before={"room": src.pk},
            after={"room": dst.pk},
            detail=reason,
        )
        record_event(
            old.person,
            "moved",
            _("Moved from %(a)s room %(b)s to %(c)s room %(d)s: %(r)s")
            % {
                "a": src.site.name,
                "b": src.number,
                "c": dst.site.name,
                "d": dst.number,
                "r": reason,
            },
            by=by,
            area=old.person.area,
            at=now,
            data={"from_room": src.pk, "to_room": dst.pk, "stay": new.pk},
        )
    transition(dst, RoomState.OCCUPIED, at=now)
    dst.save(update_fields=["state", "state_changed_at", "updated_at"])
    record_event(
        dst,
        "occupied",
        _("Moved in from room %(r)s") % {"r": src.number},
        by=by,
        area=dst.site.area,
        at=now,
    )
    _vacate_if_empty([src], by=by, at=now)
    return new_stays


def _vacate_if_empty(rooms: list[Room], *, by: Any, at: dt.datetime) -> list[Room]:
    """Send every locked room left without open stays into turnover."""
    still = set(
        Stay.objects.filter(room__in=rooms, status=StayStatus.OPEN).values_list(
            "room_id", flat=True
        )
    )
    vacated = []
    for room in rooms:
        if room.pk in still or room.state != RoomState.OCCUPIED:
            continue
        transition(room, RoomState.AWAITING_DISINFECTION, at=at)
        room.vacated_at = at
        room.last_step = ""
        vacated.append(room)
    if not vacated:
        return vacated
    Room.objects.filter(pk__in=[r.pk for r in vacated]).update(
        state=RoomState.AWAITING_DISINFECTION,
        state_changed_at=at,
        vacated_at=at,
        last_step="",
        updated_at=timezone.now(),
    )
    _write_logs(
        [
            _audit_row(r, by=by, before={"state": RoomState.OCCUPIED}, after={"state": r.state})
            for r in vacated
        ],
        [
            _event_row(
                r, "vacated", _("Vacated: awaiting disinfection"), by=by, area=r.site.area, at=at
            )
            for r in vacated
        ],
    )
    return vacated


# --- release ----------------------------------------------------------------------------


def _village_of(area: Any, cache: dict[int, Any]) -> Any:
    """The village/community above (or at) an area: the next phase is handed to it."""
    if area is None:
        return None
    if area.pk in cache:
        return cache[area.pk]
    from fangkong.areas.choices import AreaLevel
    from fangkong.areas.models import Area

    village = None
    if area.level == AreaLevel.VILLAGE:
        village = area
    elif area.level > AreaLevel.VILLAGE:
        village = Area.objects.filter(path=area.path[: area.steplen * 3]).first()
    cache[area.pk] = village
    return village


def _cadre_of(village: Any, cache: dict[int, Any]) -> str:
    if village is None:
        return ""
    if ("cadre", village.pk) in cache:
        return cache[("cadre", village.pk)]
    from fangkong.areas.choices import ResponsibilityRole as RR
    from fangkong.areas.models import Responsibility

    r = (
        Responsibility.objects.active()
        .filter(area=village, role__in=[RR.VILLAGE_CADRE, RR.SENT_DOWN_STAFF])
        .order_by("role", "pk")
        .first()
    )
    cache[("cadre", village.pk)] = r.person_name if r else ""
    return cache[("cadre", village.pk)]


def _refuse_early(stay: Stay, today: dt.date, early_reason: str) -> str | None:
    planned = stay.phase.planned_end_date if stay.phase_id else None
    if planned is not None and today < planned and not early_reason.strip():
        return _(
            "%(name)s's centralized isolation ends on %(d)s; a release before then needs a reason."
        ) % {"name": stay.person.name, "d": planned.isoformat()}
    return None


def _release_one(
    stay: Stay, *, by: Any, early_reason: str, now: dt.datetime, cache: dict
) -> tuple[Any, Any]:
    """Complete the stay's phase (starting the next) and return its unsaved log rows; the
    caller updates the stays and writes the rows in bulk."""
    from fangkong.control import services as control_services

    today = timezone.localdate(now)
    before = {"status": stay.status}
    stay.status = StayStatus.RELEASED
    stay.check_out_at = now
    stay.early_reason = early_reason[:200]
    stay.due_flag = DueFlag.NONE
    next_phase = None
    if stay.phase_id and stay.phase.status == "active":
        next_phase = control_services.complete_phase(
            stay.phase, by=by, on_date=today, early_reason=early_reason
        )
    household_area = stay.household.area if stay.household_id else stay.person.area
    village = _village_of(household_area, cache)
    cadre = _cadre_of(village, cache)
    audit_row = _audit_row(
        stay,
        by=by,
        before=before,
        after={"status": stay.status, "check_out_at": now.isoformat()},
        detail=early_reason,
    )
    if next_phase is not None:
        summary = _(
            "Released from %(site)s room %(room)s into %(phase)s, handed to %(village)s"
        ) % {
            "site": stay.site.name,
            "room": stay.room.number,
            "phase": next_phase.get_kind_display()
            if hasattr(next_phase, "get_kind_display")
            else next_phase.kind,
            "village": village.name if village else "—",
        }
    else:
        summary = _("Released from %(site)s room %(room)s") % {
            "site": stay.site.name,
            "room": stay.room.number,
        }
    if cadre:
        summary += " (" + cadre + ")"
    event = _event_row(
        stay.person,
        "released",
        summary,
        by=by,
        area=village or stay.person.area,
        at=now,
        data={
            "stay": stay.pk,
            "room": stay.room_id,
            "next_phase": next_phase.pk if next_phase is not None else None,
            "next_phase_kind": getattr(next_phase, "kind", None),
            "village": village.pk if village else None,
            "village_name": village.name if village else "",
            "cadre": cadre,
            "early_reason": early_reason,
        },
    )
    return audit_row, event


def _locked_open(stays: list[Stay]) -> list[Stay]:
    pks = [s.pk for s in stays]
    return list(
        Stay.objects.select_for_update(of=("self",))
        .filter(pk__in=pks)
        .select_related("person__area", "household__area", "site__area", "room", "phase")
        .order_by("pk")
    )


def release(stay: Stay, *, by: Any, early_reason: str = "") -> Stay:
    """Release one person: the stay closes, the centralized phase completes and the next
    phase of the rule starts at once, handed to the household's village; the room goes
    into turnover when empty. Before the planned end a reason is required."""
    return release_batch([stay], by=by, early_reason=early_reason)[0]


@transaction.atomic
def release_batch(stays: Iterable[Stay], *, by: Any, early_reason: str = "") -> list[Stay]:
    """Release several people at once, all or nothing: every stay is checked first and
    every refusal is reported (by person) before anything is written."""
    require(by, "stay.manage")
    stays = list(stays)
    if not stays:
        raise ValidationFailed(_("Choose at least one person to release."), field="stays")
    early_reason = (early_reason or "").strip()
    now = timezone.now()
    today = timezone.localdate(now)
    locked = _locked_open(stays)
    if len(locked) != len({s.pk for s in stays}):
        raise NotFound(_("No such stay within your areas."), field="stays")
    ended: list[str] = []
    early: list[str] = []
    for s in locked:
        if not user_covers_area(by, s.site.area):
            raise NotFound(_("No such stay within your areas."), field="stays")
        if s.status != StayStatus.OPEN:
            ended.append(
                _("%(name)s is no longer in room %(room)s.")
                % {"name": s.person.name, "room": s.room.number}
            )
        elif refusal := _refuse_early(s, today, early_reason):
            early.append(refusal)
    if len(locked) == 1 and ended:
        raise Conflict(ended[0], field="stays")
    if len(locked) == 1 and early:
        raise ValidationFailed(early[0], field="early_reason")
    if ended or early:
        raise ValidationFailed(
            _("%(n)d of these stays cannot be released; nothing was released.")
            % {"n": len(ended) + len(early)},
            fields={"stays": ended + early},
        )
    cache: dict = {}
    rooms = {
        r.pk: r
        for r in Room.objects.select_for_update()
        .select_related("site__area")
        .filter(pk__in={s.room_id for s in locked})
        .order_by("pk")
    }
    audits, events = [], []
    for s in locked:
        s.room = rooms[s.room_id]
        audit_row, event = _release_one(s, by=by, early_reason=early_reason, now=now, cache=cache)
        audits.append(audit_row)
        events.append(event)
    Stay.objects.filter(pk__in=[s.pk for s in locked]).update(
        status=StayStatus.RELEASED,
        check_out_at=now,
        early_reason=early_reason[:200],
        due_flag=DueFlag.NONE,
        updated_at=timezone.now(),
    )
    _write_logs(audits, events)
    _vacate_if_empty(list(rooms.values()), by=by, at=now)
    return locked


# --- due flags and overstays -----------------------------------------------------------


def flag_due_releases(*, on: dt.date | None = None) -> dict[str, int]:
    """Mark every open stay by when its centralized phase ends: overdue, today, tomorrow.

    Idempotent; run by the scheduled task and ``fangkong flag_due_releases``."""
    today = on or timezone.localdate()
    tomorrow = today + dt.timedelta(days=1)
    now = timezone.now()
    open_ = Stay.objects.filter(status=StayStatus.OPEN)
    counts: dict[str, int] = {}
    with transaction.atomic():
        groups = {
            DueFlag.OVERDUE: open_.filter(phase__planned_end_date__lt=today),
            DueFlag.TODAY: open_.filter(phase__planned_end_date=today),
            DueFlag.TOMORROW: open_.filter(phase__planned_end_date=tomorrow),
        }
        flagged_pks: list[int] = []
        for flag, qs in groups.items():
            pks = list(qs.values_list("pk", flat=True))
            flagged_pks += pks
            changed = Stay.objects.filter(pk__in=pks).exclude(due_flag=flag)
            changed.update(due_flag=flag, due_flagged_at=now)
            counts[str(flag)] = len(pks)
        open_.exclude(due_flag=DueFlag.NONE).exclude(pk__in=flagged_pks).update(
            due_flag=DueFlag.NONE, due_flagged_at=None
        )
    return counts


@transaction.atomic
def record_overstay_reason(stay: Stay, *, by: Any, reason: str) -> Stay:
    """Why a person is still in the room past the planned end (e.g. a positive retest)."""
    require(by, "stay.manage")
    require_area(by, stay.site.area, field="stay")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why the person stays past the planned end."), field="reason")
    if len(reason) > 300:
        raise ValidationFailed(_("At most 300 characters."), field="reason")
    locked = Stay.objects.select_for_update().get(pk=stay.pk)
    if locked.status != StayStatus.OPEN:
        raise Conflict(_("This stay has already ended."), field="stay")
    before = audit.snapshot(locked, ["overstay_reason"])
    locked.overstay_reason = reason
    locked.overstay_recorded_at = timezone.now()
    locked.overstay_recorded_by = by
    locked.save(
        update_fields=[
            "overstay_reason",
            "overstay_recorded_at",
            "overstay_recorded_by",
            "updated_at",
        ]
    )
    audit.record(
        audit.Action.UPDATE, locked, by=by, before=before, after={"overstay_reason": reason}
    )
    record_event(
        stay.person,
        "overstay",
        _("Stays past the planned end: %(r)s") % {"r": reason},
        by=by,
        area=stay.person.area,
    )
    return locked
