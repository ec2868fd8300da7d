"""Check-in, moves, release on time, due flags and overstay reasons."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fangkong.areas.selectors import villages_and_cadres
from fangkong.control.choices import PhaseStatus
from fangkong.core import audit
from fangkong.core.db import statements
from fangkong.core.db.vendor import is_postgres, is_sqlite
from fangkong.core.errors import Conflict, NotFound, ValidationFailed
from fangkong.core.logbatch import LogBatch
from fangkong.core.permissions import require, require_area
from fangkong.core.scoping import user_covers_area
from fangkong.core.timeline import record_event
from fangkong.people.services.control_state import sync_left_control
from fangkong.sites import sql
from fangkong.sites.choices import DueFlag, RoomState, StayStatus
from fangkong.sites.models import Room, Stay
from fangkong.sites.services.rooms import lock_room
from fangkong.sites.states import CHECK_IN_STATES, RoomMachine, StayMachine

label = RoomMachine.label

CENTRALIZED = "centralized_isolation"
DEFAULT_REASON = "close_contact"
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
    persons: list[Any], reason: str, *, by: Any, on: dt.date, logs: LogBatch
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
    by: Any,
    reason: str = DEFAULT_REASON,
    at: dt.datetime | None = None,
) -> list[Stay]:
    """Put one person or one household into a ready or reserved room.

    The room is taken with a conditional update inside the transaction: of operators
    giving the same room at once, every one but the first gets Conflict, as does a check-in
    into a room already occupied. Raises ValidationFailed (room not ready, over its beds,
    person already in a stay, several households) or NotFound
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
    phases = _centralized_phases(unique, reason or DEFAULT_REASON, by=by, on=today, logs=logs)
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
                reason=(reason or DEFAULT_REASON)[:40],
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
    _vacate_if_empty([src], by=by, at=now)
    return new_stays


def _vacate_if_empty(
    rooms: list[Room],
    *,
    by: Any,
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


# --- release ----------------------------------------------------------------------------


def _refuse_early(stay: Stay, today: dt.date, early_reason: str) -> str | None:
    planned = stay.phase.planned_end_date if stay.phase_id else None  # type: ignore[union-attr]
    if planned is not None and today < planned and not early_reason.strip():
        return _(
            "%(name)s's centralized isolation ends on %(d)s; a release before then needs a reason."
        ) % {"name": stay.person.name, "d": planned.isoformat()}
    return None


def _release_one(
    stay: Stay,
    next_phase: Any,
    *,
    by: Any,
    early_reason: str,
    now: dt.datetime,
    village: Any,
    cadre: str,
    logs: LogBatch,
) -> None:
    """Close the stay in memory and record its log rows; the caller updates the stays and
    writes the rows in bulk."""
    before = {"status": StayMachine.move(stay, StayStatus.RELEASED)}
    stay.check_out_at = now
    stay.early_reason = early_reason[:200]
    stay.due_flag = DueFlag.NONE
    logs.audit(
        audit.Action.UPDATE,
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
            "phase": next_phase.get_kind_display(),
            "village": village.name if village else "—",
        }
    else:
        summary = _("Released from %(site)s room %(room)s") % {
            "site": stay.site.name,
            "room": stay.room.number,
        }
    if cadre:
        summary += " (" + cadre + ")"
    logs.event(
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


def _locked_qs(pks: list[int]) -> Any:
    return (
        Stay.objects.select_for_update(of=("self", "room"))
        .filter(pk__in=pks)
        .select_related("person__area", "household__area", "site__area", "room", "phase")
        .defer("person__id_number", "person__phone", "person__notes")
        .order_by("room_id")
    )


def _locked_open(stays: list[Stay]) -> list[Stay]:
    """The stays and their rooms, locked in one query (rooms in id order, so two batches
    over the same rooms cannot deadlock), in stay order. The person's encrypted fields and
    notes are not read (nothing here shows them; they load on first use)."""
    pks = sorted({s.pk for s in stays})
    locked = statements.fetch("sites.release.locked", _locked_qs, pks)
    locked.sort(key=lambda s: s.pk)
    for s in locked:
        s.room.site = s.site  # type: ignore[attr-defined]  # the same site, already in hand
    return locked  # type: ignore[return-value]


def release(stay: Stay, *, by: Any, early_reason: str = "") -> Stay:
    """Release one person: the stay closes, the centralized phase completes and the next
    phase of the rule starts at once, handed to the household's village; the room goes
    into turnover when empty. Before the planned end a reason is required."""
    return release_batch([stay], by=by, early_reason=early_reason)[0]


@transaction.atomic
def release_batch(stays: Iterable[Stay], *, by: Any, early_reason: str = "") -> list[Stay]:
    """Release several people at once, all or nothing: every stay is checked first and
    every refusal is reported (by person) before anything is written. The phases are
    completed together (``control.services.complete_phases``) and every row is written in
    one statement per table."""
    from fangkong.control import services as control_services

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
    logs = LogBatch()
    active = PhaseStatus.ACTIVE
    to_complete = [s.phase for s in locked if s.phase_id and s.phase.status == active]  # type: ignore[union-attr]
    completed = control_services.complete_phases(
        to_complete,  # type: ignore[arg-type]
        by=by,
        on_date=today,
        early_reason=early_reason,
        logs=logs,
    )
    next_of = {p.pk: nxt for p, nxt in zip(to_complete, completed, strict=True)}  # type: ignore[union-attr]
    home = {s.pk: s.household.area if s.household_id else s.person.area for s in locked}  # type: ignore[union-attr]
    handed_to = villages_and_cadres(home.values(), on=today)
    for s in locked:
        area = home[s.pk]
        village, cadre = handed_to[area.pk] if area is not None else (None, "")
        _release_one(
            s,
            next_of.get(s.phase_id),
            by=by,
            early_reason=early_reason,
            now=now,
            village=village,
            cadre=cadre,
            logs=logs,
        )
    closed = {
        "status": StayStatus.RELEASED,
        "check_out_at": now,
        "early_reason": early_reason[:200],
        "due_flag": DueFlag.NONE,
        "updated_at": timezone.now(),
    }
    pks = [s.pk for s in locked]
    where = [("status", "in", StayMachine.sources(StayStatus.RELEASED))]
    closing = None
    if is_postgres():  # one round trip for the stays and their rooms
        closing = statements.update_sql(Stay, pks, closed, where=where, returning=True)
    else:
        statements.update(Stay, pks, closed, where=where)
    rooms = sorted({s.room_id: s.room for s in locked}.values(), key=lambda r: r.pk)
    _vacate_if_empty(rooms, by=by, at=now, logs=logs, closing=closing)
    # those whose control may have ended with the stay (none when home isolation follows)
    sync_left_control((s.person_id for s in locked if next_of.get(s.phase_id) is None), at=now)
    logs.write()
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
        # subqueries, not id lists: a city's open stays would pass the parameter limit
        for flag, qs in groups.items():
            counts[str(flag)] = qs.count()
            qs.exclude(due_flag=flag).update(due_flag=flag, due_flagged_at=now)
        open_.exclude(due_flag=DueFlag.NONE).exclude(phase__planned_end_date__lte=tomorrow).update(
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
