"""A positive tube, at once and in the result's transaction: a positive pool's members
flagged, put under temporary control and given door-to-door single-tube retests; a
positive single tube becomes a case candidate; the command centre and each person's chain
notified once the transaction commits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.areas.selectors import responsibility_chain
from fangkong.control.selectors import active_episodes_for
from fangkong.control.services import start_episode
from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.errors import DomainError
from fangkong.core.models import TimelineEvent, User
from fangkong.core.roles import Role
from fangkong.testing.choices import RecipientKind, RetestReason, TubeKind
from fangkong.testing.models import CaseCandidate, Notification, RetestTask, Tube
from fangkong.testing.services.sampling import controlled_person_ids
from fangkong.testing.tasks import queue_on_commit

POOL_REASON = "pool_positive_awaiting_retest"


@dataclass
class FollowUp:
    tube: Tube
    flagged: list[int] = field(default_factory=list)
    controlled: list[int] = field(default_factory=list)
    already_controlled: list[int] = field(default_factory=list)
    not_controlled: dict[int, str] = field(default_factory=dict)  # person -> why
    retests: int = 0
    notifications: list[int] = field(default_factory=list)
    candidates: list[int] = field(default_factory=list)


def _chain(area: Any, floor: int | None) -> list[Any]:
    return list(responsibility_chain(area, floor))


def _start_control(person: Any) -> tuple[Any, str]:
    """The pool-positive episode started for ``person``, or None and why not."""
    try:
        with transaction.atomic():
            return start_episode(person, POOL_REASON, start_date=timezone.localdate(), by=None), ""
    except DomainError as exc:
        return None, str(exc.message)


def _pool_episodes(person_ids: list[int]) -> dict[int, Any]:
    """person → their pool-positive episode under way (a second positive pool while they
    wait for their retest is the same temporary control)."""
    return {e.person_id: e for e in active_episodes_for(person_ids) if e.reason == POOL_REASON}


def _command_recipients(area: Any) -> list[tuple[str, str, int | None]]:
    users = (
        User.objects.filter(role_set__role=Role.COUNTY_COMMAND, is_active=True)
        .filter(areas__path__in=area.ancestor_paths())
        .distinct()
    )
    out: list[tuple[str, str, int | None]] = [(str(u), u.phone, u.pk) for u in users]
    phone = getattr(settings, "FANGKONG_COMMAND_CENTRE_PHONE", "")
    if phone or not out:
        out.append((str(_("Command centre")), phone, None))
    return out


def follow_up_positive(tube: Tube, *, by: Actor) -> FollowUp:
    """Everything a positive result sets off; call inside the result's transaction."""
    members = list(tube.members.select_related("person", "person__area", "person__household"))
    out = FollowUp(tube=tube)
    persons = list({m.person_id: m.person for m in members}.values())
    pooled = tube.kind == TubeKind.POOLED
    already = controlled_person_ids([p.pk for p in persons])
    pool_episode = _pool_episodes(list(already)) if pooled and already else {}
    now = timezone.now()
    events = []
    chain_people: dict[int, tuple[Any, list[str]]] = {}
    for p in persons:
        out.flagged.append(p.pk)
        floor = p.household.floor if p.household is not None else None
        links = _chain(p.area, floor)
        for link in links:
            key = link.responsibility_id
            chain_people.setdefault(key, (link, []))[1].append(p.name)
        if pooled:
            if p.pk in already:
                out.already_controlled.append(p.pk)
            else:
                episode, why = _start_control(p)
                if episode is not None:
                    out.controlled.append(p.pk)
                    pool_episode[p.pk] = episode
                else:
                    out.not_controlled[p.pk] = why
            summary = _("Pooled tube %(code)s positive: under control, single-tube retest ordered")
        else:
            cand = CaseCandidate.objects.create(
                person=p,
                household=p.household,
                area=p.area,
                tube=tube,
                chain=[_link_dict(link) for link in links],
                created_by=by if getattr(by, "is_authenticated", False) else None,
            )
            out.candidates.append(cand.pk)
            summary = _("Single tube %(code)s positive: case candidate for the command centre")
        events.append(
            TimelineEvent(
                at=now, subject_type="people.person", subject_id=p.pk, kind="tube_positive",
                summary=str(summary % {"code": tube.barcode})[:300],
                data={"tube": tube.barcode, "pooled": pooled}, area_id=p.area_id,
                actor=by if getattr(by, "is_authenticated", False) else None,
            )
        )  # fmt: skip
    TimelineEvent.objects.bulk_create(events)
    if pooled:
        tasks = [
            RetestTask(person=p, area=p.area, source_tube=tube, round_id=tube.round_id,
                       reason=RetestReason.POOL_POSITIVE, episode=pool_episode.get(p.pk))
            for p in persons
        ]  # fmt: skip
        RetestTask.objects.bulk_create(tasks, ignore_conflicts=True)
        out.retests = len(tasks)
    out.notifications = _notify(tube, persons, chain_people, pooled)
    queue_on_commit(out.notifications)
    audit.record(
        audit.Action.UPDATE,
        tube,
        by=by,
        after={
            "positive": True,
            "flagged": out.flagged,
            "controlled": out.controlled,
            "already_controlled": out.already_controlled,
            "not_controlled": out.not_controlled,
            "retests": out.retests,
            "candidates": out.candidates,
            "notifications": len(out.notifications),
        },
        detail="positive follow-up",
    )
    return out


def _link_dict(link: Any) -> dict[str, Any]:
    return {
        "role": link.role,
        "role_label": str(link.role_label),
        "area": str(link.area),
        "name": link.name,
        "phone": link.phone_masked,
    }


def _notify(tube: Tube, persons: list[Any], chain_people: dict, pooled: bool) -> list[int]:
    names = ", ".join(p.name for p in persons[:20])
    if pooled:
        text = _("Pooled tube %(code)s (%(point)s) is positive: %(n)d people under control "
                 "awaiting single-tube retest: %(names)s.")  # fmt: skip
    else:
        text = _("Single tube %(code)s (%(point)s) is positive: %(names)s. Case candidate opened.")
    args = {"code": tube.barcode, "point": tube.point, "n": len(persons), "names": names}
    rows = [
        Notification(recipient_kind=RecipientKind.COMMAND, recipient_name=name[:60],
                     recipient_user_id=uid, phone=phone, area_id=tube.area_id, tube=tube,
                     message=str(text % args)[:500])
        for name, phone, uid in _command_recipients(tube.area)
    ]  # fmt: skip
    for link, who in chain_people.values():
        msg = _("Tube %(code)s positive. In your charge: %(names)s. Keep them at home; "
                "door-to-door sampling is on its way.") % {"code": tube.barcode, "names": ", ".join(who)}  # fmt: skip
        rows.append(
            Notification(recipient_kind=RecipientKind.CHAIN, recipient_name=link.name[:60],
                         recipient_user_id=link.user_id, phone=link.phone or "",
                         area_id=link.area.pk, tube=tube, message=str(msg)[:500])
        )  # fmt: skip
    made = Notification.objects.bulk_create(rows)
    return [n.pk for n in made if n.pk is not None] or list(
        Notification.objects.filter(tube=tube).values_list("pk", flat=True)
    )
