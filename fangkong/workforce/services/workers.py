"""Employers, their workers and the closed loop: registering by hand, leaving and
re-entering the loop (leaving starts the rule's monitoring through a control episode),
taking a worker off the whitelist, editing a sector's test frequency (policy data)."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.errors import Conflict, NotFound, ValidationFailed
from fangkong.core.permissions import require, require_area
from fangkong.core.pii import blind_index
from fangkong.core.pinyin import pinyin_initials
from fangkong.core.roles import Role
from fangkong.core.timeline import record_event
from fangkong.people.choices import DocType, PersonStatus
from fangkong.people.idnumber import IdNumberError, validate_phone
from fangkong.people.models import Person
from fangkong.people.services.persons import PersonData, clean_person_data
from fangkong.policy.choices import Reason
from fangkong.workforce.choices import LoopState
from fangkong.workforce.models import Employer, Sector, Worker
from fangkong.workforce.states import LoopMachine

CREDIT_CODE_CHARS = set("0123456789ABCDEFGHJKLMNPQRTUWXY")


def new_pass_code() -> str:
    return secrets.token_hex(10)


def check_employer_access(by: Actor, employer: Employer, *, field: str = "employer") -> None:
    """An employer's account acts for its own employers only; anyone else within the
    employer's area. Another employer reads as not found."""
    require_area(by, employer.area, field=field)
    if by.has_role(Role.EMPLOYER) and not employer.accounts.filter(pk=by.pk).exists():
        raise NotFound(_("No such employer among yours."), field=field)


@dataclass
class EmployerData:
    name: str
    code: str
    sector: Sector | None
    area: Any
    contact_name: str = ""
    contact_phone: str = ""


@transaction.atomic
def create_employer(*, by: Actor, data: EmployerData) -> Employer:
    require(by, "employer.manage")
    errors: dict[str, list[str]] = {}
    name = (data.name or "").strip()
    if not name or len(name) > 100:
        errors.setdefault("name", []).append(_("A name of 1 to 100 characters."))
    code = (data.code or "").strip().upper()
    if len(code) != 18 or not set(code) <= CREDIT_CODE_CHARS:
        errors.setdefault("code", []).append(
            _("A unified social credit code has 18 digits or capital letters.")
        )
    elif Employer.objects.filter(code=code).exists():
        errors.setdefault("code", []).append(_("An employer with this code is registered."))
    if data.sector is None:
        errors.setdefault("sector", []).append(_("A sector is required."))
    if data.area is None:
        errors.setdefault("area", []).append(_("An area is required."))
    phone = ""
    try:
        phone = validate_phone(data.contact_phone or "")
    except IdNumberError as exc:
        errors.setdefault("contact_phone", []).append(str(exc))
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    require_area(by, data.area)
    assert data.sector is not None  # checked above
    employer = Employer.objects.create(
        name=name,
        code=code,
        sector=data.sector,
        area=data.area,
        contact_name=(data.contact_name or "").strip()[:60],
        contact_phone=phone,
        created_by=by,
    )
    audit.record(audit.Action.CREATE, employer, by=by, after=audit.snapshot(employer))
    return employer


@transaction.atomic
def add_account(employer: Employer, user: Actor, *, by: Actor) -> None:
    """Give an employer's account (role EMPLOYER) the employer's whitelist."""
    require(by, "employer.manage")
    require_area(by, employer.area, field="employer")
    if not user.has_role(Role.EMPLOYER):
        raise ValidationFailed(_("The account does not have the employer role."), field="user")
    employer.accounts.add(user)
    audit.record(audit.Action.UPDATE, employer, by=by, detail=f"account {user.pk} added")


def _person_for(values: dict[str, Any], area: Any, by: Actor) -> tuple[Person, bool]:
    """The registry's person with this document number (any area: one person, one record),
    or a new one registered in the employer's area."""
    index = blind_index(values["id_number"])
    found = (
        Person.objects.filter(id_number_index=index, status=PersonStatus.ACTIVE)
        .order_by("pk")
        .first()
    )
    if found is not None:
        return found, False
    person = Person.objects.create(
        area=area, created_by=by, name_initials=pinyin_initials(values["name"]), **values
    )
    audit.record(audit.Action.CREATE, person, by=by, after=audit.snapshot(person))
    record_event(person, "registered", _("Registered as an essential worker"), by=by)
    return person, True


def check_not_elsewhere(person: Person, employer: Employer, *, field: str = "id_number") -> None:
    other = (
        Worker.objects.filter(person=person, active=True)
        .exclude(employer=employer)
        .select_related("employer")
        .first()
    )
    if other is not None:
        raise Conflict(
            _("This person is on the whitelist of another employer; that employer must take "
              "them off first."),
            field=field,
        )  # fmt: skip


@transaction.atomic
def add_worker(
    employer: Employer,
    *,
    by: Actor,
    name: str,
    id_number: str,
    phone: str = "",
    post: str = "",
    in_loop: bool = False,
    loop_place: str = "",
    doc_type: str = DocType.RESIDENT_ID,
) -> tuple[Worker, bool]:
    """Put a person on the employer's whitelist (by hand). The ID is checked (GB 11643);
    the person is the registry's (deduplicated on the ID's blind index). Returns
    ``(worker, created)``: the same person added twice is the same worker."""
    require(by, "worker.manage")
    check_employer_access(by, employer)
    if not (id_number or "").strip():
        raise ValidationFailed(_("A document number is required."), field="id_number")
    values = clean_person_data(
        PersonData(name=name, doc_type=doc_type, id_number=id_number, phone=phone)
    )
    person, _new = _person_for(values, employer.area, by)
    existing = Worker.objects.filter(person=person, employer=employer, active=True).first()
    if existing is not None:
        return existing, False
    check_not_elsewhere(person, employer)
    now = timezone.now()
    worker = Worker(
        person=person,
        employer=employer,
        sector=employer.sector,
        area=employer.area,
        post=(post or "").strip()[:60],
        joined_on=timezone.localdate(),
        pass_code=new_pass_code(),
        created_by=by,
    )
    if in_loop:
        worker.loop_state = LoopState.IN_LOOP
        worker.loop_place = (loop_place or "").strip()[:100]
        worker.loop_since = now
    worker.save()
    from fangkong.workforce.services.compliance import sync

    sync(person_ids=[person.pk])
    worker.refresh_from_db()
    audit.record(audit.Action.CREATE, worker, by=by, after=audit.snapshot(worker))
    record_event(
        person, "worker_added", _("On an essential workers' whitelist"), by=by,
        data={"worker": worker.pk, "employer": employer.pk},
    )  # fmt: skip
    return worker, True


def _locked(worker: Worker, by: Actor, permission: str) -> Worker:
    require(by, permission)
    check_employer_access(by, worker.employer, field="worker")
    return Worker.objects.select_for_update().select_related("person").get(pk=worker.pk)


@transaction.atomic
def enter_loop(worker: Worker, *, by: Actor, place: str) -> Worker:
    """The worker starts working in a closed loop at ``place``."""
    place = (place or "").strip()
    if not place:
        raise ValidationFailed(_("Say where the closed loop is."), field="place")
    w = _locked(worker, by, "worker.manage")
    if not w.active:
        raise Conflict(_("This worker is no longer on the whitelist."), field="worker")
    LoopMachine.perform(w, LoopState.IN_LOOP, by=by, also={"loop_place": place[:100]})
    return w


@transaction.atomic
def leave_loop(worker: Worker, *, by: Actor, on: dt.date | None = None) -> Worker:
    """The worker leaves the closed loop: the rule in force for closed-loop workers leaving
    their post (policy data, e.g. 5 days of home health monitoring, tests on days 1, 3, 5)
    starts as a control episode."""
    from fangkong.control.services import start_episode

    w = _locked(worker, by, "worker.loop")
    LoopMachine.check(w, LoopState.LEFT)
    episode = start_episode(
        w.person,
        Reason.CLOSED_LOOP_WORKER_LEAVING_POST,
        start_date=on,
        by=by,
        area_check=False,
    )
    LoopMachine.perform(w, LoopState.LEFT, by=by, detail=f"monitoring episode {episode.pk}")
    return w


@transaction.atomic
def remove_worker(worker: Worker, *, by: Actor, reason: str) -> Worker:
    """Take the worker off the whitelist (the record stays, inactive)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("A reason is required."), field="reason")
    w = _locked(worker, by, "worker.manage")
    if not w.active:
        return w
    if w.loop_state == LoopState.IN_LOOP:
        raise Conflict(
            _("The worker is still in the closed loop: record the leaving first."),
            field="worker",
        )
    before = audit.snapshot(w)
    w.active = False
    w.save(update_fields=["active", "updated_at"])
    audit.record(
        audit.Action.UPDATE, w, by=by, before=before, after=audit.snapshot(w), detail=reason[:200]
    )
    return w


@transaction.atomic
def set_sector_interval(sector: Sector, *, by: Actor, days: int) -> Sector:
    """Change a sector's test frequency (policy data); its workers' next due day follows."""
    require(by, "sector.manage")
    if not 1 <= int(days) <= 14:
        raise ValidationFailed(_("Between 1 and 14 days."), field="test_interval_days")
    before = audit.snapshot(sector)
    sector.test_interval_days = int(days)
    sector.save(update_fields=["test_interval_days", "updated_at"])
    audit.record(audit.Action.UPDATE, sector, by=by, before=before, after=audit.snapshot(sector))
    from fangkong.workforce.services.compliance import sync

    sync(sector=sector)
    return sector
