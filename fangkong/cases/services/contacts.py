"""Registering the contacts of a case (密接, 次密接), one by one or many at once: each is
linked to the case and put under control under the rule in force, or linked to the control
already under way (never a second one)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.cases.choices import ContactKind
from fangkong.cases.models import Case, Contact
from fangkong.cases.services._common import actor_or_none
from fangkong.control.selectors import active_episodes_for
from fangkong.control.services import start_episode
from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.errors import Conflict, DomainError, ValidationFailed
from fangkong.core.permissions import require, require_area
from fangkong.core.timeline import record_event
from fangkong.people.choices import PersonStatus
from fangkong.policy.choices import Reason

REGISTER = "contact.register"
REASON = {ContactKind.CLOSE: Reason.CLOSE_CONTACT, ContactKind.SECONDARY: Reason.SECONDARY_CONTACT}
MAX_BATCH = 2000


@dataclass
class ContactEntry:
    """One contact to register: the person, close or secondary, the last exposure, and for
    a secondary contact the close contact it came through (optional)."""

    person: Any
    kind: str = ContactKind.CLOSE
    last_exposure: dt.date | None = None
    via: Contact | None = None


@dataclass
class Registered:
    contact: Contact
    created: bool  # False: the person was a contact of this case already
    linked: bool  # True: an active control was under way, linked rather than started


def _validate(case: Case, entries: list[ContactEntry], by: Actor) -> None:
    """Every entry checked before anything is written; the errors name the row (1-based)."""
    errors: dict[str, list[Any]] = {}
    today = timezone.localdate()
    seen: set[int] = set()
    for n, e in enumerate(entries, start=1):
        key = f"contacts.{n}"
        why = None
        if e.kind not in ContactKind.values:
            why = _("Choose close contact or contact of a close contact.")
        elif e.person.pk == case.person_id:
            why = _("The case itself cannot be its own contact.")
        elif getattr(e.person, "status", PersonStatus.ACTIVE) != PersonStatus.ACTIVE:
            why = _("This person record was merged into another; use that one.")
        elif e.person.pk in seen:
            why = _("%(name)s is listed twice.") % {"name": e.person}
        elif e.last_exposure and e.last_exposure > today:
            why = _("The last exposure cannot be in the future.")
        elif e.via is not None and e.via.case_id != case.pk:
            why = _("The close contact it came through is not a contact of this case.")
        else:
            try:
                require_area(by, e.person.area, field=key)
            except DomainError:
                why = _("%(name)s lives outside your areas.") % {"name": e.person}
        if why:
            errors.setdefault(key, []).append(why)
        seen.add(e.person.pk)
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(
            _("Nothing was registered: %(n)d row(s) to correct. First: %(why)s")
            % {"n": len(errors), "why": first},
            fields=errors,
        )


def register_contacts(case: Case, entries: list[ContactEntry], *, by: Actor) -> list[Registered]:
    """Register the contacts of ``case``: all of them or, when one is wrong, none (the errors
    name each row). A person already a contact of this case is returned as it is; one under
    an active control is linked to it; the others are put under control from today under
    the rule in force. When a control cannot start (no rule for the reason...), the contact
    is kept with the reason, for the work queue."""
    require(by, REGISTER)
    require_area(by, case.area, field="case")
    if not entries:
        raise ValidationFailed(_("Add at least one contact."), field="contacts")
    if len(entries) > MAX_BATCH:
        raise ValidationFailed(
            _("At most %(n)d contacts at once.") % {"n": MAX_BATCH}, field="contacts"
        )
    _validate(case, entries, by)
    out: list[Registered] = []
    with transaction.atomic():
        Case.objects.select_for_update().filter(pk=case.pk).first()  # one batch at a time
        persons = [e.person.pk for e in entries]
        existing = {
            c.person_id: c for c in Contact.objects.filter(case=case, person_id__in=persons)
        }
        active = {ep.person_id: ep for ep in active_episodes_for(persons)}
        created: list[Contact] = []
        for e in entries:
            if e.person.pk in existing:
                out.append(Registered(existing[e.person.pk], created=False, linked=False))
                continue
            contact = Contact(case=case, person=e.person, area=e.person.area, kind=e.kind,
                              via=e.via, last_exposure=e.last_exposure,
                              created_by=actor_or_none(by))  # fmt: skip
            episode = active.get(e.person.pk)
            linked = episode is not None
            if episode is None:
                try:
                    episode = start_episode(e.person, REASON[ContactKind(e.kind)], by=by)
                except Conflict:  # put under control meanwhile: link that one
                    episode = active_episodes_for([e.person.pk]).first()
                    linked = episode is not None
                except DomainError as exc:
                    contact.control_note = str(exc.message)[:300]
            if episode is not None:
                contact.mark_controlled(episode, episode.created_at)
            contact.save()
            created.append(contact)
            out.append(Registered(contact, created=True, linked=linked))
            record_event(
                e.person, "contact_registered",
                _("Registered as %(kind)s of a case (%(control)s)")
                % {"kind": contact.get_kind_display(),
                   "control": _("linked to the control under way") if linked
                   else _("put under control") if episode else contact.control_note},
                by=by, data={"case": case.pk, "contact": contact.pk,
                             "episode": episode.pk if episode else None},
            )  # fmt: skip
        if created:
            rows: list[Any] = list(created)
            audit.record_many_created(rows, by=by, detail=f"contacts of case {case.pk}")
    return out


def register_contact(
    case: Case,
    person: Any,
    *,
    kind: str = ContactKind.CLOSE,
    last_exposure: dt.date | None = None,
    via: Contact | None = None,
    by: Actor,
) -> Registered:
    """One contact (see ``register_contacts``)."""
    entry = ContactEntry(person=person, kind=kind, last_exposure=last_exposure, via=via)
    return register_contacts(case, [entry], by=by)[0]


def place_under_control(contact: Contact, *, by: Actor) -> Contact:
    """Start (or link) the control of a contact registered without one."""
    require(by, REGISTER)
    require_area(by, contact.area, field="contact")
    with transaction.atomic():
        locked = Contact.objects.select_for_update().select_related("person").get(pk=contact.pk)
        if locked.episode_id is not None:
            return locked
        episode = active_episodes_for([locked.person_id]).first()
        if episode is None:
            episode = start_episode(locked.person, REASON[ContactKind(locked.kind)], by=by)
        fields = ["episode", "controlled_at", "controlled_in_time", "control_note"]
        before = audit.snapshot(locked, fields)
        locked.mark_controlled(episode, episode.created_at)
        locked.control_note = ""
        locked.save(update_fields=[*fields, "updated_at"])
        audit.record(audit.Action.UPDATE, locked, by=by, before=before,
                     after=audit.snapshot(locked, fields))  # fmt: skip
    return locked
