"""Check-in and moves; releases are in ``releases``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fangkong.control.choices import PhaseStatus
from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.db import statements
from fangkong.core.db.vendor import is_postgres, is_sqlite
from fangkong.core.errors import Conflict, NotFound, ValidationFailed
from fangkong.core.logbatch import LogBatch
from fangkong.core.permissions import require, require_area
from fangkong.core.scoping import user_covers_area
from fangkong.core.timeline import record_event
from fangkong.policy.choices import Reason
from fangkong.sites import sql
from fangkong.sites.choices import RoomState, StayStatus
from fangkong.sites.models import Room, Stay
from fangkong.sites.services.rooms import lock_room
from fangkong.sites.states import CHECK_IN_STATES, RoomMachine, StayMachine

label = RoomMachine.label

CENTRALIZED = "centralized_isolation"
MINOR_AGE = 18
ELDERLY_AGE = 70


def age_on(birth: dt.date | None, on: dt.date) -> int | None:
    if birth is None:
        return None
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _now(at: dt.datetime | None, field: str = "at") -> dt.datetime:
    now = timezone.now()
    if at is None:
        return now
    if timezone.is_naive(at):
        raise ValidationFailed(_("A time needs its time zone."), field=field)
    if at > now + dt.timedelta(minutes=5):
        raise ValidationFailed(_("This time is in the future."), field=field)
    return at


def _centralized_phases(
    persons: list[Any], reason: str, *, by: Actor, on: dt.date, logs: LogBatch
) -> dict[int, Any]:
    """Per person, the active centralized-isolation phase; an episode is started for
    ``reason`` for a person who has none (its rows go to ``logs``). None for a person whose
    active phase is of another kind."""
    from fangkong.control import selectors as control_selectors
    from fangkong.control import services as control_services

    episodes = {
        e.person_id: e for e in control_selectors.active_episodes_for([p.pk for p in persons])
    }
    out: dict[int, Any] = {}
    for person in persons:
        episode = episodes.get(person.pk)
        if episode is None:
            episode = control_services.start_episode(
                person, reason, start_date=on, by=by, logs=logs
            )
        out[person.pk] = None
        for phase in episode.phases.all():
            if phase.status == PhaseStatus.ACTIVE:
                out[person.pk] = phase if phase.kind == CENTRALIZED else None
                break
    return out


def _take_room(
    room: Room, n: int, *, now: dt.datetime, persons: list[int] | None = None
) -> tuple[str, bool | None]:
    """Occupy the room for ``n`` persons in one conditional update, which is also the row
    lock: of two operators giving the same room at once, the second finds it taken
    (Conflict). Returns the state the room was in, and, with ``persons`` on PostgreSQL,
    whether one of them has an open stay (read by the same statement; None: not read)."""
    seen = room
    for attempt in range(3):
        if seen.state not in CHECK_IN_STATES:
            # It was ready when the operator chose it: someone else took it meanwhile.
            raise Conflict(
                _(
                    "Room %(room)s was just taken by someone else (now “%(state)s”); choose "
                    "another room."
                )
                % {"room": seen.number, "state": label(seen.state)},
                field="room",
            )
        if attempt and n > seen.beds:  # the beds as read under the lock, not as shown
            raise ValidationFailed(
                _("Room %(room)s has %(beds)d bed(s); %(n)d persons do not fit.")
                % {"room": seen.number, "beds": seen.beds, "n": n},
                field="persons",
            )
        RoomMachine.check(seen, RoomState.OCCUPIED)
        values = {
            "state": RoomState.OCCUPIED,
            "state_changed_at": now,
            "updated_at": timezone.now(),
        }
        where = [("state", "=", seen.state), ("beds", ">=", n)]
        if persons and is_postgres():  # one round trip for both
            in_stay = sql.take_room_reading_open_stays(room, values, where, persons)
            if in_stay is not None:
                return seen.state, in_stay
        elif statements.update(Room, [room.pk], values, where=where):
            return seen.state, None
        # Taken or changed since the operator loaded it, or too small: read it again, locked.
        seen = lock_room(room)
    raise Conflict(
        _("Room %(room)s keeps changing; try again.") % {"room": room.number}, field="room"
    )


# --- check-in ---------------------------------------------------------------------------


def check_in(
    room: Room,
    persons: Iterable[Any],
    *,
    by: Actor,
    reason: str,
    at: dt.datetime | None = None,
    handover: bool = False,
) -> list[Stay]:
    """Put one person or one household into a ready or reserved room.

    ``handover``: a transfer's arrival hands its persons over (``transfers.services``);
    the crew's permission to run the trip stands for the site's "stay.manage" then.

    The room is taken with a conditional update inside the transaction: of operators
    giving the same room at once, every one but the first gets Conflict, as does a check-in
    into a room already occupied. Raises ValidationFailed (room not ready, over its beds,
    person already in a stay, several households) or NotFound
    (room or person outside the user's areas), or when ``reason`` is not one of
    ``Reason``: the reason is asked, never assumed; nothing is written then."""
    try:
        with transaction.atomic():
            return _check_in(room, list(persons), by=by, reason=reason, at=at, handover=handover)
    except IntegrityError as exc:  # the one-open-stay constraint, raced by another operator
        raise Conflict(
            _("One of these persons was just checked in elsewhere by someone else."),
            field="persons",
        ) from exc


def _check_in(
    room: Room, persons: list[Any], *, by: Actor, reason: str, at: Any, handover: bool = False
) -> list[Stay]:
    require(by, "transfer.trip.run" if handover else "stay.manage")
    if reason not in Reason.values:
        raise ValidationFailed(_("Choose why these people are put under control."), field="reason")
    now = _now(at)
    today = timezone.localdate(now)
    site = room.site
    require_area(by, site.area, field="room")
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
    if room.state == RoomState.OCCUPIED:  # someone checked in first: a conflict, as in a race
        raise Conflict(
            _("Room %(room)s is already occupied; choose another room.") % {"room": room.number},
            field="room",
        )
    if room.state not in CHECK_IN_STATES:
        raise ValidationFailed(
            _("Room %(room)s is “%(state)s”; only a ready or reserved room takes a check-in.")
            % {"room": room.number, "state": label(room.state)},
            field="room",
        )
    old_state, in_stay = _take_room(room, len(unique), now=now, persons=[p.pk for p in unique])
    already = Stay.objects.filter(person__in=unique, status=StayStatus.OPEN).order_by()
    if in_stay is None:
        in_stay = bool(already.values_list("pk", flat=True)[:1])
    if in_stay:  # rare: the details for the message only then
        already = already.select_related("site", "room", "person").order_by("pk")[0]
        raise ValidationFailed(
            _("%(name)s is already in isolation at %(site)s, room %(room)s.")
            % {"name": already.person.name, "site": already.site.name, "room": already.room.number},
            field="persons",
        )
    ages = {p.pk: age_on(p.birth_date, today) for p in unique}
    has_adult = any(a is not None and a >= MINOR_AGE for a in ages.values())
    logs = LogBatch()
    phases = _centralized_phases(unique, reason, by=by, on=today, logs=logs)
    stays: list[Stay] = []
    for p in unique:
        a = ages[p.pk]
        stays.append(
            Stay(
                person=p,
                room=room,
                site=site,
                household_id=p.household_id,
                phase=phases[p.pk],
                check_in_at=now,
                reason=reason,
                minor_unaccompanied=a is not None and a < MINOR_AGE and not has_adult,
                elderly=a is not None and a >= ELDERLY_AGE,
                created_by=by,
            )
        )
    Stay.objects.bulk_create(stays)
    for stay in stays:
        logs.audit(audit.Action.CREATE, stay, by=by, after=audit.snapshot(stay) or {})
        flags = [
            str(f)
            for f, on in (
                (_("unaccompanied minor"), stay.minor_unaccompanied),
                (_("elderly"), stay.elderly),
            )
            if on
        ]
        logs.event(
            stay.person,
            "checked_in",
            _("Checked in at %(site)s, room %(room)s") % {"site": site.name, "room": room.number}
            + (f" ({', '.join(flags)})" if flags else ""),
            by=by,
            area_id=stay.person.area_id,
            at=now,
            data={"stay": stay.pk, "site": site.pk, "room": room.pk, "flags": flags},
        )
    RoomMachine.move(room, RoomState.OCCUPIED, at=now)  # as the update above wrote it
    logs.audit(
        audit.Action.UPDATE, room, by=by, before={"state": old_state}, after={"state": room.state}
    )
    logs.event(
        room,
        "occupied",
        # no names in the room's log: the stays say who (and the purge has nothing to hunt)
        ngettext("Checked in: %(n)d person", "Checked in: %(n)d persons", len(stays))
        % {"n": len(stays)},
        by=by,
        area_id=site.area_id,
        at=now,
        data={"stays": [s.pk for s in stays], "persons": [s.person_id for s in stays]},
    )
    logs.write()
    return stays


# --- moves ------------------------------------------------------------------------------


@transaction.atomic
def move(stay: Stay, to_room: Room, *, by: Actor, reason: str) -> list[Stay]:
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
        StayMachine.move(old, StayStatus.MOVED)
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
    RoomMachine.move(dst, RoomState.OCCUPIED, at=now)
    dst.save(update_fields=["state", "state_changed_at", "updated_at"])
    record_event(
        dst,
        "occupied",
        _("Moved in from room %(r)s") % {"r": src.number},
        by=by,
        area=dst.site.area,
        at=now,
    )
    vacate_if_empty([src], by=by, at=now)
    return new_stays


def vacate_if_empty(
    rooms: list[Room],
    *,
    by: Actor,
    at: dt.datetime,
    logs: LogBatch | None = None,
    closing: tuple[str, list[Any]] | None = None,
) -> list[Room]:
    """Send every locked room left without open stays into turnover: one conditional
    UPDATE (no open stay left in the room, checked by the statement itself).

    ``closing`` (PostgreSQL): the UPDATE closing stays (``RETURNING`` their ids), run in the
    same statement; the stays it closes count as closed."""
    candidates = [r for r in rooms if r.state == RoomState.OCCUPIED]
    if not candidates:
        if closing is not None:
            statements.execute(*closing)
        return []
    for room in candidates:
        RoomMachine.check(room, RoomState.AWAITING_DISINFECTION)
    values = {
        "state": RoomState.AWAITING_DISINFECTION,
        "state_changed_at": at,
        "vacated_at": at,
        "last_step": "",
        "updated_at": timezone.now(),
    }
    pks = [r.pk for r in candidates]
    # only rooms the table lets into turnover (the same table the check above read)
    where = [("state", "in", RoomMachine.sources(RoomState.AWAITING_DISINFECTION))]
    if closing is not None:
        done = set(
            statements.update(
                Room,
                pks,
                values,
                where=where,
                extra_where=sql.no_other_open_stay(),
                returning=True,
                first=closing,
            )
        )
    elif len(pks) == 1 or is_postgres() or is_sqlite():
        # RETURNING where the database has it; for one room the row count says it all
        changed = statements.update(
            Room, pks, values, where=where, extra_where=sql.no_open_stay(), returning=len(pks) > 1
        )
        done = set(changed) if len(pks) > 1 else (set(pks) if changed else set())
    else:
        still = set(
            Stay.objects.filter(room__in=candidates, status=StayStatus.OPEN)
            .order_by()
            .values_list("room_id", flat=True)
        )
        done = {pk for pk in pks if pk not in still}
        if done:
            statements.update(Room, sorted(done), values, where=where)
    vacated = []
    for room in candidates:
        if room.pk not in done:
            continue
        RoomMachine.move(room, RoomState.AWAITING_DISINFECTION, at=at)
        room.vacated_at = at
        room.last_step = ""
        vacated.append(room)
    if not vacated:
        return vacated
    batch = LogBatch() if logs is None else logs
    for r in vacated:
        batch.audit(
            audit.Action.UPDATE,
            r,
            by=by,
            before={"state": RoomState.OCCUPIED},
            after={"state": r.state},
        )
    for r in vacated:
        batch.event(
            r,
            "vacated",
            _("Vacated: awaiting disinfection"),
            by=by,
            area_id=r.site.area_id,
            at=at,
        )
    if logs is None:
        batch.write()
    return vacated
