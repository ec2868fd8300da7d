"""Assign and end responsibilities (三级包保, grid coordinators, floor leads)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.areas.choices import ROLE_LEVELS, AreaKind, AreaLevel, ResponsibilityRole
from fangkong.areas.models import Area, Responsibility, today
from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.errors import IllegalTransition, ValidationFailed
from fangkong.core.models import User
from fangkong.core.permissions import require, require_area
from fangkong.people.idnumber import IdNumberError, validate_phone

MIN_FLOOR, MAX_FLOOR = -5, 200


def _check(
    area: Area, role: str, name: str, phone: str, floor: int | None, title: str
) -> tuple[dict[str, list[str]], str]:
    errors: dict[str, list[str]] = {}
    if role not in ResponsibilityRole.values:
        errors["role"] = [_("Unknown role.")]
    else:
        levels = ROLE_LEVELS[role]
        if area.level not in levels:
            errors["role"] = [
                _("A %(role)s is assigned at the %(levels)s level, not to a %(kind)s.")
                % {
                    "role": ResponsibilityRole(role).label,
                    "levels": ", ".join(str(AreaLevel(lv).label) for lv in sorted(levels)),
                    "kind": AreaKind(area.kind).label,
                }
            ]
        elif role == ResponsibilityRole.PARTY_BRANCH and area.kind != AreaKind.ESTATE:
            errors["role"] = [_("A party branch is set up for an estate (小区).")]
        if role == ResponsibilityRole.FLOOR_LEAD and floor is None:
            errors["floor"] = [_("A floor lead needs the floor number.")]
        if role != ResponsibilityRole.FLOOR_LEAD and floor is not None:
            errors["floor"] = [_("Only a floor lead has a floor number.")]
    if floor is not None and not (MIN_FLOOR <= floor <= MAX_FLOOR) or floor == 0:
        errors["floor"] = [
            _("A floor is between %(a)d and %(b)d, and not 0.") % {"a": MIN_FLOOR, "b": MAX_FLOOR}
        ]
    if not name:
        errors["person_name"] = [_("A name is required.")]
    elif len(name) > 60:
        errors["person_name"] = [_("At most 60 characters.")]
    if len(title) > 60:
        errors["title"] = [_("At most 60 characters.")]
    clean_phone = ""
    try:
        clean_phone = validate_phone(phone)
    except IdNumberError as exc:
        errors["phone"] = [str(exc)]
    else:
        if not clean_phone:
            errors["phone"] = [_("A phone number is required: people must be able to call.")]
    return errors, clean_phone


@transaction.atomic
def assign_responsibility(
    *,
    by: Actor,
    area: Area,
    role: str,
    person_name: str,
    phone: str,
    title: str = "",
    floor: int | None = None,
    user: User | None = None,
    starts_on: dt.date | None = None,
) -> Responsibility:
    """Make someone answer for ``area`` (within the user's areas) from ``starts_on``."""
    require(by, "responsibility.manage")
    require_area(by, area)
    person_name, title = (person_name or "").strip(), (title or "").strip()
    errors, phone = _check(area, role, person_name, phone or "", floor, title)
    if user is not None and not user.is_active:
        errors["user"] = [_("This account is disabled.")]
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    starts_on = starts_on or today()
    duplicate = (
        Responsibility.objects.active(starts_on)
        .filter(area=area, role=role, floor=floor, person_name=person_name)
        .exists()
    )
    if duplicate:
        raise ValidationFailed(
            _("%(name)s already holds this role here.") % {"name": person_name},
            field="person_name",
            code="duplicate",
        )
    resp = Responsibility.objects.create(
        area=area,
        role=role,
        person_name=person_name,
        title=title,
        phone=phone,
        floor=floor,
        user=user,
        starts_on=starts_on,
        created_by=by,
    )
    audit.record(audit.Action.CREATE, resp, by=by, after=audit.snapshot(resp))
    return resp


@transaction.atomic
def end_responsibility(
    resp: Responsibility, *, by: Actor, on: dt.date | None = None
) -> Responsibility:
    """End an assignment: from ``on`` (today by default) it no longer counts."""
    require(by, "responsibility.manage")
    require_area(by, resp.area)
    resp = Responsibility.objects.select_for_update().get(pk=resp.pk)
    if resp.ended_on is not None:
        raise IllegalTransition(_("This assignment has already ended."), field="ended_on")
    on = on or today()
    if on < resp.starts_on:
        raise ValidationFailed(
            _("An assignment cannot end before it starts (%(d)s).") % {"d": resp.starts_on},
            field="ended_on",
        )
    before = audit.snapshot(resp)
    resp.ended_on = on
    resp.save(update_fields=["ended_on", "updated_at"])
    audit.record(audit.Action.UPDATE, resp, by=by, before=before, after=audit.snapshot(resp))
    return resp
