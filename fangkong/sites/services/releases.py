"""Release on time (one or a batch), due-release flags and overstay reasons."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.areas.selectors import villages_and_cadres
from fangkong.control.choices import PhaseStatus
from fangkong.control.models import ControlPhase
from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.db import statements
from fangkong.core.db.vendor import is_postgres
from fangkong.core.errors import Conflict, NotFound, ValidationFailed
from fangkong.core.logbatch import LogBatch
from fangkong.core.permissions import require, require_area
from fangkong.core.scoping import user_covers_area
from fangkong.core.timeline import record_event
from fangkong.people.services.control_state import sync_left_control
from fangkong.sites.choices import DueFlag, StayStatus
from fangkong.sites.models import Stay
from fangkong.sites.services.stays import vacate_if_empty
from fangkong.sites.states import StayMachine

# --- release ----------------------------------------------------------------------------


def _refuse_early(stay: Stay, today: dt.date, early_reason: str) -> str | None:
    planned = phase.planned_end_date if (phase := stay.phase) is not None else None
    if planned is not None and today < planned and not early_reason.strip():
        return _(
            "%(name)s's centralized isolation ends on %(d)s; a release before then needs a reason."
        ) % {"name": stay.person.name, "d": planned.isoformat()}
    return None


def _release_one(
    stay: Stay,
    next_phase: Any,
    *,
    by: Actor,
    early_reason: str,
    now: dt.datetime,
    village: Any,
    cadre: str,
    logs: LogBatch,
    control_ends: bool = False,
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
    if control_ends:
        summary = _("Checked out of %(site)s room %(room)s: %(why)s") % {
            "site": stay.site.name,
            "room": stay.room.number,
            "why": early_reason,
        }
    elif next_phase is not None:
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
    if cadre and not control_ends:  # nobody is handed to the village from a hospital
        summary += " (" + cadre + ")"
    # what the home-isolation gate found (control's hook set it on the phase started; the
    # person's timeline has it as its own event), for the release page to say
    stay.home_check = getattr(next_phase, "home_check", None)  # type: ignore[attr-defined]
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
            "home_check": getattr(stay.home_check, "state", None),  # type: ignore[attr-defined]
        },
    )


def _locked_qs(pks: list[int]) -> QuerySet[Stay]:
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
        s.room.site = s.site  # the same site, already in hand
    return locked


def release(stay: Stay, *, by: Actor, early_reason: str = "") -> Stay:
    """Release one person: the stay closes, the centralized phase completes and the next
    phase of the rule starts at once, handed to the household's village; the room goes
    into turnover when empty. Before the planned end a reason is required."""
    return release_batch([stay], by=by, early_reason=early_reason)[0]


@transaction.atomic
def release_batch(
    stays: Iterable[Stay],
    *,
    by: Actor,
    early_reason: str = "",
    handover: bool = False,
    control_ends: bool = False,
    at: dt.datetime | None = None,
) -> list[Stay]:
    """Release several people at once, all or nothing: every stay is checked first and
    every refusal is reported (by person) before anything is written. The phases are
    completed together (``control.services.complete_phases``) and every row is written in
    one statement per table.

    ``handover``: a transfer hands the persons over elsewhere (``transfers.services``); the
    crew's permission to run the trip stands for "stay.manage", as at check-in.
    ``control_ends``: the persons leave control with the stay (a positive handed over at
    the designated hospital): no next phase starts, the episode completes with
    ``early_reason``. ``at``: when they left (the hand-over; now by default)."""
    from fangkong.control import services as control_services

    require(by, "transfer.trip.run" if handover else "stay.manage")
    stays = list(stays)
    if not stays:
        raise ValidationFailed(_("Choose at least one person to release."), field="stays")
    early_reason = (early_reason or "").strip()
    now = at or timezone.now()
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
    to_complete = [p for s in locked if (p := s.phase) is not None and p.status == active]
    completed = control_services.complete_phases(
        to_complete,
        # a hand-over: the transfer stood for the decision, as for the episode it starts at
        # check-in (the crew holds no "episode.manage")
        by=None if handover else by,
        on_date=today,
        early_reason=early_reason,
        logs=logs,
        last=control_ends,
    )
    next_of: dict[int | None, ControlPhase | None] = {
        p.pk: nxt for p, nxt in zip(to_complete, completed, strict=True)
    }
    home = {s.pk: h.area if (h := s.household) is not None else s.person.area for s in locked}
    # the home-isolation gate looked the villages up already for the homes it checked
    handed_to: dict[int, tuple[Any, str]] = {}
    for s in locked:
        check = getattr(next_of.get(s.phase_id), "home_check", None)
        looked = check.handover if check is not None else None
        if looked is not None and home[s.pk] is not None and looked[0].pk == home[s.pk].pk:
            handed_to[looked[0].pk] = (looked[1], looked[2])
    missing = [a for a in home.values() if a is not None and a.pk not in handed_to]
    if missing:
        handed_to.update(villages_and_cadres(missing, on=today))
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
            control_ends=control_ends,
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
    vacate_if_empty(rooms, by=by, at=now, logs=logs, closing=closing)
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
def record_overstay_reason(stay: Stay, *, by: Actor, reason: str) -> Stay:
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
