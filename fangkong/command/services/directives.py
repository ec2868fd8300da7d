"""Directives (督办): the centre issues an order with a deadline to townships and
departments; each recipient acknowledges, reports progress (notes, files) and closes it;
the centre escalates what is late. Every move through ``RecipientMachine``, on the
directive's timeline and in the audit log; recipients are told in the application and by
SMS."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.areas.models import Area
from fangkong.command.choices import OPEN_STATES, RecipientState, UpdateKind
from fangkong.command.models import Department, Directive, DirectiveRecipient, DirectiveUpdate
from fangkong.command.selectors import acts_for
from fangkong.command.states import RecipientMachine
from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.errors import NotFound, PermissionDenied, ValidationFailed
from fangkong.core.models import User
from fangkong.core.notifications import notify, recipients
from fangkong.core.permissions import require
from fangkong.core.scoping import user_covers_area
from fangkong.core.timeline import record_event
from fangkong.core.uploads import read_upload
from fangkong.core.workqueue import TOWNSHIP_DEPTH

MAX_FILE = 10 * 1024 * 1024


def _people_of(r: DirectiveRecipient) -> list[User]:
    """Who acts for a recipient: a department's members, a township's officers."""
    if r.department is not None:
        members = r.department.members.filter(is_active=True)
        return list(members.filter(role_set__role__in=_roles("directive.respond")).distinct())
    return [u for u in recipients("directive.respond", r.area) if r.area.path in u.area_paths]


def _roles(permission: str) -> Any:
    from fangkong.core.roles import roles_with

    return roles_with(permission)


def _tell(users: Iterable[User], *, kind: str, title: str, url: str, area: Any) -> None:
    """A notice under each user's bell and, after the commit, an SMS of it to those with a
    work phone (the queue holds the notices' ids, not the numbers)."""
    notices = notify(users, kind=kind, title=title, url=url, area=area)
    ids = [n.pk for n in notices if n.user.phone]
    if ids:
        from fangkong.command.tasks import send_sms

        transaction.on_commit(lambda: send_sms.enqueue(ids))


def issue(
    *,
    by: Actor,
    title: str,
    body: str,
    deadline: dt.datetime | None,
    areas: Iterable[Area] = (),
    departments: Iterable[Department] = (),
) -> Directive:
    """Issue a directive to townships (``areas``) and ``departments``, due by
    ``deadline``. Refused without a deadline, with a deadline past, or to nobody."""
    require(by, "directive.issue")
    areas, departments = list(areas), list(departments)
    if not (title or "").strip():
        raise ValidationFailed(_("Give the directive a title."), field="title")
    if deadline is None:
        raise ValidationFailed(_("A directive needs a deadline."), field="deadline")
    if deadline <= timezone.now():
        raise ValidationFailed(_("The deadline must be in the future."), field="deadline")
    if not areas and not departments:
        raise ValidationFailed(
            _("Address the directive to at least one township or department."),
            field="recipients",
        )
    for a in areas:
        if not user_covers_area(by, a):
            raise NotFound(_("No such area within your areas."), field="areas")
        if a.depth < TOWNSHIP_DEPTH:
            raise ValidationFailed(
                _("%(area)s is not a township: address townships or departments.")
                % {"area": a.name},
                field="areas",
            )
    home = Area.objects.get(path=by.area_paths[0]) if by.area_paths else None
    if home is None:
        raise NotFound(_("No such area within your areas."), field="area")
    with transaction.atomic():
        d = Directive.objects.create(
            title=title.strip(), body=body or "", deadline=deadline, area=home,
            issued_by=by, created_by=by,
        )  # fmt: skip
        rows = [DirectiveRecipient(directive=d, area=a, created_by=by) for a in set(areas)]
        rows += [
            DirectiveRecipient(directive=d, area=dep.area, department=dep, created_by=by)
            for dep in set(departments)
        ]
        DirectiveRecipient.objects.bulk_create(rows)
        audit.record(audit.Action.CREATE, d, by=by,
                     after={"title": d.title, "deadline": deadline.isoformat(),
                            "recipients": [str(r) for r in rows]})  # fmt: skip
        record_event(d, "directive_issued",
                     _("Issued to %(to)s, due %(when)s") % {
                         "to": "、".join(str(r) for r in rows),
                         "when": timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M")},
                     by=by)  # fmt: skip
        for r in DirectiveRecipient.objects.filter(directive=d).select_related(
            "area", "department", "directive"
        ):
            _tell(_people_of(r), kind="directive.new",
                  title=_("New directive: %(title)s (due %(when)s)") % {
                      "title": d.title,
                      "when": timezone.localtime(deadline).strftime("%m-%d %H:%M")},
                  url=d.get_absolute_url(), area=r.area)  # fmt: skip
    return d


def _locked(recipient: DirectiveRecipient) -> DirectiveRecipient:
    return (
        DirectiveRecipient.objects.select_for_update(of=("self",))
        .select_related("directive", "area", "department")
        .get(pk=recipient.pk)
    )


def _check_acts_for(by: Actor, r: DirectiveRecipient) -> None:
    require(by, "directive.respond")
    if not DirectiveRecipient.objects.filter(acts_for(by), pk=r.pk).exists():
        raise PermissionDenied(
            _("This directive is not addressed to you: only %(to)s may answer it.") % {"to": str(r)}
        )


def _update(r: DirectiveRecipient, kind: str, *, by: Actor | None, note: str = "",
            upload: Any = None) -> DirectiveUpdate:  # fmt: skip
    u = DirectiveUpdate(recipient=r, kind=kind, note=note or "", by=by)
    if upload is not None:
        data = read_upload(upload, max_bytes=MAX_FILE, field="attachment")
        u.attachment.save(upload.name, ContentFile(data), save=False)
    u.save()
    return u


def _move(r: DirectiveRecipient, to: str, kind: str, *, by: Actor, note: str = "",
          upload: Any = None) -> DirectiveRecipient:  # fmt: skip
    with transaction.atomic():
        locked = _locked(r)
        RecipientMachine.check(locked, to)
        _update(locked, kind, by=by, note=note, upload=upload)
        RecipientMachine.perform(
            locked, to, by=by, event="directive_" + kind, event_subject=locked.directive,
            summary=_("%(to)s: %(what)s") % {"to": str(locked),
                                             "what": UpdateKind(kind).label}
            + (f" — {note}" if note else ""),
            area=locked.directive.area,
        )  # fmt: skip
    return locked


def acknowledge(recipient: DirectiveRecipient, *, by: Actor) -> DirectiveRecipient:
    _check_acts_for(by, recipient)
    return _move(recipient, RecipientState.ACKNOWLEDGED, UpdateKind.ACKNOWLEDGED, by=by)


def report_progress(
    recipient: DirectiveRecipient, *, by: Actor, note: str, upload: Any = None
) -> DirectiveRecipient:
    """A progress report (a note, a file): the first moves it to "in progress"."""
    _check_acts_for(by, recipient)
    if not (note or "").strip():
        raise ValidationFailed(_("Say what has been done."), field="note")
    if recipient.state == RecipientState.IN_PROGRESS:
        with transaction.atomic():
            locked = _locked(recipient)
            RecipientMachine.check(locked, RecipientState.CLOSED)  # still open
            _update(locked, UpdateKind.PROGRESS, by=by, note=note, upload=upload)
            record_event(locked.directive, "directive_progress",
                         f"{locked}: {note}", by=by)  # fmt: skip
            audit.record(audit.Action.UPDATE, locked, by=by, detail="progress report",
                         after={"note": note})  # fmt: skip
        return locked
    return _move(recipient, RecipientState.IN_PROGRESS, UpdateKind.PROGRESS, by=by, note=note,
                 upload=upload)  # fmt: skip


def close(
    recipient: DirectiveRecipient, *, by: Actor, note: str = "", upload: Any = None
) -> DirectiveRecipient:
    _check_acts_for(by, recipient)
    return _move(recipient, RecipientState.CLOSED, UpdateKind.CLOSED, by=by, note=note,
                 upload=upload)  # fmt: skip


def withdraw(recipient: DirectiveRecipient, *, by: Actor, note: str = "") -> DirectiveRecipient:
    """The centre withdraws a directive from one recipient."""
    require(by, "directive.issue")
    return _move(recipient, RecipientState.CANCELLED, UpdateKind.CANCELLED, by=by, note=note)


def escalate(recipient: DirectiveRecipient, *, by: Actor, note: str = "") -> DirectiveRecipient:
    """The centre presses a late or stalled recipient: a note on the timeline, the
    recipient's people and the township's superiors told again (notice and SMS)."""
    require(by, "directive.issue")
    with transaction.atomic():
        r = _locked(recipient)
        if r.state not in OPEN_STATES:
            raise ValidationFailed(
                _("Only an open directive can be escalated; this one is %(state)s.")
                % {"state": r.get_state_display()},
                field="state",
            )
        r.escalations += 1
        r.save(update_fields=["escalations", "updated_at"])
        _update(r, UpdateKind.ESCALATED, by=by, note=note)
        record_event(r.directive, "directive_escalated",
                     _("%(to)s: escalated (%(n)s)") % {"to": str(r), "n": r.escalations}
                     + (f" — {note}" if note else ""), by=by)  # fmt: skip
        audit.record(audit.Action.UPDATE, r, by=by, detail="escalated",
                     after={"escalations": r.escalations, "note": note})  # fmt: skip
        _tell(_people_of(r), kind="directive.escalated",
              title=_("Escalated directive: %(title)s") % {"title": r.directive.title},
              url=r.directive.get_absolute_url(), area=r.area)  # fmt: skip
    return r


def notify_overdue(now: dt.datetime | None = None) -> int:
    """The periodic check: tell each open recipient past its deadline, once, and the
    issuer; returns how many were told."""
    from fangkong.command.selectors import overdue_recipients

    now = now or timezone.now()
    told = 0
    for r in overdue_recipients(now).filter(overdue_notified_at__isnull=True):
        with transaction.atomic():
            n = DirectiveRecipient.objects.filter(pk=r.pk, overdue_notified_at__isnull=True).update(
                overdue_notified_at=now
            )
            if not n:
                continue
            title = _("Directive overdue: %(title)s (%(to)s)") % {
                "title": r.directive.title, "to": str(r)}  # fmt: skip
            people = _people_of(r)
            if r.directive.issued_by is not None:
                people.append(r.directive.issued_by)
            _tell(people, kind="directive.overdue", title=title,
                  url=r.directive.get_absolute_url(), area=r.area)  # fmt: skip
            record_event(r.directive, "directive_overdue", title)
            told += 1
    return told


def save_department(
    *, by: Actor, name: str, members: Iterable[User] = (), department: Department | None = None
) -> Department:
    """Create a department (in the user's county) or rename it and set its members."""
    require(by, "department.manage")
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("Give the department a name."), field="name")
    same = Department.objects.filter(name=name)
    if department is not None:
        same = same.exclude(pk=department.pk)
    if same.exists():
        raise ValidationFailed(_("A department of that name exists already."), field="name")
    if not by.area_paths:
        raise NotFound(_("No such area within your areas."), field="area")
    with transaction.atomic():
        before = {"name": department.name} if department else None
        if department is None:
            home = Area.objects.get(path=by.area_paths[0])
            department = Department.objects.create(name=name, area=home, created_by=by)
        else:
            department.name = name
            department.save(update_fields=["name", "updated_at"])
        department.members.set(list(members))
        audit.record(
            audit.Action.UPDATE if before else audit.Action.CREATE, department, by=by,
            before=before, after={"name": name, "members": sorted(u.pk for u in members)},
        )  # fmt: skip
    return department
