"""Door-to-door service requests (上门服务): from the portal or entered by a cadre, assigned
to the household's grid coordinator or a volunteer of the village, through the states of
the request machine, due by kind (policy data)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.areas.selectors import responsibility_chain
from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.errors import ValidationFailed
from fangkong.core.timeline import record_event
from fangkong.home_isolation.choices import RequestKind, RequestState
from fangkong.home_isolation.models import ServiceRequest
from fangkong.home_isolation.phases import home_phase_of
from fangkong.home_isolation.services._common import actor, check, user_or_none
from fangkong.home_isolation.states import RequestMachine
from fangkong.people.models import Person
from fangkong.policy.home import due_hours, home_policy

MAX_NOTE = 300
FIELDS = ["assignee_name", "assignee", "delivered_at", "confirmation", "cancel_reason"]


def grid_coordinator(person: Person) -> tuple[str, Any]:
    """The name and user of whoever answers for the person's home first in the grid."""
    floor = person.household.floor if person.household_id and person.household else None
    for link in responsibility_chain(person.area, floor):
        return link.name, link.user_id
    return "", None


def create_request(
    person: Person, *, kind: str, note: str = "", by: Actor | None = None, from_portal: bool = False
) -> ServiceRequest:
    """A request for a person in a home phase; due after the hours the rule set gives
    its kind; assigned to the home's grid coordinator."""
    if not from_portal:
        check(by, "home.manage", person.area, field="person")
    if kind not in RequestKind.values:
        raise ValidationFailed(_("Kind: choose what you need."), field="kind")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ValidationFailed(_("Note: at most %(n)d characters.") % {"n": MAX_NOTE},
                               field="note")  # fmt: skip
    if home_phase_of(person.pk) is None:
        raise ValidationFailed(_("No home control in progress for this person."),
                               field="person")  # fmt: skip
    now = timezone.now()
    _code, block = home_policy(timezone.localdate(), person.area)
    name, user_id = grid_coordinator(person)
    with transaction.atomic():
        req = ServiceRequest.objects.create(
            household_id=person.household_id, person=person, area_id=person.area_id, kind=kind,
            note=note, from_portal=from_portal, due_at=now + dt.timedelta(hours=due_hours(block, kind)),
            assignee_name=name, assignee_id=user_id, created_by=user_or_none(by),
            state_changed_at=now,
        )  # fmt: skip
        audit.record(audit.Action.CREATE, req, by=by, after=audit.snapshot(req))
        record_event(person, "home_request", _("Service request: %(kind)s") %
                     {"kind": req.get_kind_display()}, by=by, data={"request": req.pk})  # fmt: skip
    return req


def _move(req: ServiceRequest, to: str, *, by: Actor, also: dict, summary: str) -> ServiceRequest:
    check(by, "home.manage")
    with transaction.atomic():
        req = ServiceRequest.objects.select_for_update().get(pk=req.pk)
        check(by, "home.manage", req.area, field="request")
        RequestMachine.perform(
            req, to, by=by, also=also, audit_fields=FIELDS, event="home_request_state",
            event_subject=("people.person", req.person_id), area=req.area, summary=summary,
            data={"request": req.pk},
        )  # fmt: skip
    return req


def accept_request(req: ServiceRequest, *, by: Actor, assignee_name: str = "") -> ServiceRequest:
    name = (assignee_name or "").strip()[:60] or req.assignee_name or str(by)
    return _move(req, RequestState.ACCEPTED, by=by, also={"assignee_name": name},
                 summary=_("Request accepted, %(who)s will deliver") % {"who": name})  # fmt: skip


def deliver_request(req: ServiceRequest, *, confirmation: str, by: Actor) -> ServiceRequest:
    text = (confirmation or "").strip()[:200]
    if not text:
        raise ValidationFailed(_("Confirmation: say what was handed over and to whom."),
                               field="confirmation")  # fmt: skip
    return _move(req, RequestState.DELIVERED, by=by,
                 also={"delivered_at": timezone.now(), "confirmation": text},
                 summary=_("Delivered by %(a)s: %(c)s") % {"a": actor(by), "c": text})  # fmt: skip


def close_request(req: ServiceRequest, *, by: Actor) -> ServiceRequest:
    return _move(req, RequestState.CLOSED, by=by, also={},
                 summary=_("Request closed by %(a)s") % {"a": actor(by)})  # fmt: skip


def cancel_request(req: ServiceRequest, *, reason_text: str, by: Actor) -> ServiceRequest:
    text = (reason_text or "").strip()[:200]
    if not text:
        raise ValidationFailed(_("Say why the request is cancelled."), field="reason_text")
    return _move(req, RequestState.CANCELLED, by=by, also={"cancel_reason": text},
                 summary=_("Request cancelled by %(a)s: %(r)s") % {"a": actor(by), "r": text})  # fmt: skip
