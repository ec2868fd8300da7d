"""Transfer requests: the one service every other app calls to have persons moved.

``request_transfer(persons, kind, by=...)`` is how home isolation's eligibility queue (a
household that failed the check: ``TransferKind.HOME_INELIGIBLE``), cases and contacts (a
close contact: ``CLOSE_CONTACT``; a positive: ``POSITIVE``) and sites (a release home in a
closed loop: ``RELEASE_HOME``) ask for a transfer. Call it inside your own transaction;
it notifies the dispatchers on commit. See ``docs/development/transfers.md``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.errors import Conflict, NotFound, ValidationFailed
from fangkong.core.logbatch import LogBatch
from fangkong.core.permissions import require
from fangkong.core.scoping import user_covers_area
from fangkong.people.models import Person
from fangkong.sites.choices import StayStatus
from fangkong.sites.models import Stay
from fangkong.transfers.choices import (
    OPEN_REQUEST_STATES,
    POSITIVE_KINDS,
    Priority,
    RequestStatus,
    TransferKind,
)
from fangkong.transfers.models import TransferPerson, TransferRequest
from fangkong.transfers.states import RequestMachine

# Hours from request to arrival, by kind. Close contacts within 12 h (8th-edition text;
# sources differ, hence a setting: TRANSFERS_DEADLINE_HOURS overrides any of them).
DEFAULT_DEADLINE_HOURS: dict[str, int] = {
    TransferKind.CLOSE_CONTACT: 12,
    TransferKind.HOME_INELIGIBLE: 24,
    TransferKind.POSITIVE: 6,
    TransferKind.RELEASE_HOME: 24,
}


def deadline_hours(kind: str) -> int:
    custom = getattr(settings, "TRANSFERS_DEADLINE_HOURS", {}) or {}
    return int(custom.get(kind, DEFAULT_DEADLINE_HOURS[kind]))


def place_of(area: Any) -> tuple[float, float] | None:
    """The area's coordinates, else its nearest placed ancestor's (a building's estate)."""
    if area.lat is not None and area.lon is not None:
        return area.lat, area.lon
    from fangkong.areas.models import Area

    rows = Area.objects.filter(path__in=area.ancestor_paths()[:-1], lat__isnull=False)
    best = max(rows.values_list("path", "lat", "lon"), default=None, key=lambda r: len(r[0]))
    return (best[1], best[2]) if best else None


def request_transfer(
    persons: Iterable[Person],
    kind: str,
    *,
    by: Actor,
    priority: int = Priority.NORMAL,
    deadline: dt.datetime | None = None,
    reason: str = "",
    accessible: bool = False,
    source: str = "",
    source_ref: str = "",
) -> TransferRequest:
    """One request for one person or one household (they travel and stay together).

    A positive found in an isolation site (``POSITIVE`` for persons with an open stay) is
    picked up at the site: its coordinates and address, ``site`` set; the stay ends at the
    hand-over at the hospital (``trips.arrive``).

    Refused, nothing written: a person outside the user's areas (NotFound), persons of
    several households, a person already in a site (for a transfer into one), a release
    home of someone not in a site, a positive request for persons not all in the same
    site, a pick-up place with no coordinates. Asking again for the same persons and kind
    while the first is open returns the first (idempotent); a person already on another
    open request is a Conflict."""
    require(by, "transfer.request")
    if kind not in TransferKind.values:
        raise ValidationFailed(_("Unknown transfer kind."), field="kind")
    if priority not in Priority.values:
        raise ValidationFailed(_("Unknown priority."), field="priority")
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
            _("Only the members of one household travel together; request the others separately."),
            field="persons",
        )
    with transaction.atomic():
        ids = [p.pk for p in unique]
        # one open request per person: the same again is the same request
        open_rows = TransferPerson.objects.filter(
            person_id__in=ids, request__status__in=OPEN_REQUEST_STATES
        ).select_related("request")
        existing = {m.request for m in open_rows}
        if len(existing) == 1:
            (req,) = existing
            same = set(req.members.values_list("person_id", flat=True)) == set(ids)
            if same and req.kind == kind:
                return req
        if existing:
            raise Conflict(
                _("%(name)s is already on an open transfer request.")
                % {"name": next(m.person.name for m in open_rows)},
                field="persons",
            )
        stays = list(
            Stay.objects.filter(person_id__in=ids, status=StayStatus.OPEN).select_related(
                "site", "person"
            )
        )
        site = None
        if kind == TransferKind.RELEASE_HOME:
            if len(stays) != len(ids):
                raise ValidationFailed(
                    _("A release home is for persons in an isolation site; someone is not in one."),
                    field="persons",
                )
            site = stays[0].site
        elif kind in POSITIVE_KINDS and stays:
            # found positive under control in a site: picked up there, alone (the planner
            # never mixes positives with others); household members elsewhere go separately
            site = stays[0].site
            here = {s.person_id for s in stays if s.site_id == site.pk}
            outside = [p for p in unique if p.pk not in here]
            if outside:
                raise ValidationFailed(
                    _(
                        "%(name)s is not in isolation at %(site)s; a positive in a site is picked up there with nobody from elsewhere: request them separately."
                    )
                    % {"name": outside[0].name, "site": site.name},
                    field="persons",
                )
        elif stays:
            raise ValidationFailed(
                _("%(name)s is already in isolation at %(site)s.")
                % {"name": stays[0].person.name, "site": stays[0].site.name},
                field="persons",
            )
        if site is not None and (site.lat is None or site.lon is None):
            raise ValidationFailed(
                _("Site %(site)s has no coordinates; put it on the map first.")
                % {"site": site.name},
                field="site",
            )
        household = unique[0].household
        home = household.area if household is not None else unique[0].area
        from_site = site is not None and kind in POSITIVE_KINDS
        if site is not None and from_site:
            point: tuple[float, float] | None = (site.lat, site.lon)
            address = site.address
        else:
            point = place_of(home)
            address = household.address if household is not None else ""
        if point is None:
            raise ValidationFailed(
                _("The pick-up place %(area)s has no coordinates.") % {"area": home.name},
                field="pickup",
            )
        now = timezone.now()
        if deadline is None:
            deadline = now + dt.timedelta(hours=deadline_hours(kind))
        elif timezone.is_naive(deadline):
            raise ValidationFailed(_("A time needs its time zone."), field="deadline")
        # the area stays the persons' home: who sees the request (the pick-up is the site)
        req = TransferRequest.objects.create(
            area=home,
            kind=kind,
            priority=priority,
            deadline=deadline,
            pickup_address=address[:200],
            lat=point[0],
            lon=point[1],
            accessible=accessible,
            site=site,
            source=source[:40],
            source_ref=source_ref[:60],
            reason=reason[:200],
            status_changed_at=now,
            created_by=by,
        )
        TransferPerson.objects.bulk_create(TransferPerson(request=req, person=p) for p in unique)
        logs = LogBatch()
        logs.audit(audit.Action.CREATE, req, by=by, after=audit.snapshot(req) or {})
        for p in unique:
            logs.event(
                p,
                "transfer_requested",
                _("Transfer requested: %(kind)s") % {"kind": TransferKind(kind).label},
                by=by,
                area_id=p.area_id,
                at=now,
                data={"request": req.pk, "kind": kind},
            )
        logs.write()
        transaction.on_commit(lambda: _notify_dispatchers(req))
    return req


def _notify_dispatchers(req: TransferRequest) -> None:
    from fangkong.core.notifications import notify, recipients

    notify(
        recipients("transfer.dispatch", req.area),
        kind="transfer_requested",
        title=_("New transfer request #%(n)s, due %(at)s")
        % {"n": req.pk, "at": timezone.localtime(req.deadline).strftime("%m-%d %H:%M")},
        url=req.get_absolute_url(),
        area=req.area,
    )


def cancel_request(req: TransferRequest, *, by: Actor, reason: str) -> TransferRequest:
    """Cancel with a reason; a reserved room goes back to ready; a household taken from home
    isolation's placement queue goes back onto it (``links.after_cancel``). Once picked up
    a transfer cannot be cancelled (the machine refuses)."""
    from fangkong.transfers.services.links import after_cancel
    from fangkong.transfers.services.plans import release_room

    require(by, "transfer.dispatch")
    if not user_covers_area(by, req.area):
        raise NotFound(_("No such transfer request within your areas."), field="request")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why the transfer is cancelled."), field="reason")
    with transaction.atomic():
        locked = TransferRequest.objects.select_for_update().get(pk=req.pk)
        RequestMachine.check(locked, RequestStatus.CANCELLED)
        logs = LogBatch()
        if locked.room_id:
            release_room(locked, by=by, logs=logs)
        RequestMachine.perform(
            locked,
            RequestStatus.CANCELLED,
            by=by,
            also={"cancel_reason": reason[:200], "room": None, "trip": None},
            logs=logs,
        )
        for m in locked.members.select_related("person"):
            logs.event(
                m.person,
                "transfer_cancelled",
                _("Transfer cancelled: %(r)s") % {"r": reason[:100]},
                by=by,
                area_id=m.person.area_id,
                data={"request": locked.pk},
            )
        logs.write()
        after_cancel(locked, reason=reason[:100], by=by)
    RequestMachine.follow(req, locked, "cancel_reason", "room_id", "trip_id")
    return req
