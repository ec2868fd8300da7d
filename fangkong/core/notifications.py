"""Notifications: who must know that something happened, told inside the application (the
bell) and, where the matter is urgent, by SMS through the gateway (``core.sms``).

Services call ``notify`` inside their transaction; the recipients are users chosen by role
and area (``recipients``), so a township's alert reaches that township's people and the
county's, never another township's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from fangkong.core.actors import Actor, MaybeActor
from fangkong.core.models import Notice, User
from fangkong.core.roles import roles_with


def recipients(permission: str, area: Any) -> QuerySet[User]:
    """Active users holding ``permission`` whose areas contain ``area`` (the area itself or
    one above it)."""
    roles = roles_with(permission)
    path = area.path
    step = type(area).steplen
    prefixes = [path[:i] for i in range(step, len(path) + 1, step)]
    return (
        User.objects.filter(is_active=True, role_set__role__in=roles)
        .filter(Q(areas__path__in=prefixes))
        .distinct()
    )


# Who holds which roles in which areas, and who is active: what decides ``recipients``.
RECIPIENTS = "core.recipients"


def recipient_ids(permission: str, area: Any) -> list[int]:
    """The ids of ``recipients(permission, area)``, computed once per change of the users'
    roles, areas or activity (``core.signals`` retires them): a service that tells a village
    of every pre-registration does not join users, roles and areas each time."""
    from fangkong.core import counts

    return counts.cached(
        RECIPIENTS,
        (permission, area.path),
        lambda: sorted(recipients(permission, area).values_list("pk", flat=True)),
    )


def notify(
    users: Iterable[User | int], *, kind: str, title: str, url: str = "", area: Any = None
) -> list[Notice]:
    """A notice for each of ``users`` (users or their ids; each once). ``title`` is shown
    as written: pass it already translated into the recipients' language (the county works
    in Chinese)."""
    seen: set[int] = set()
    notices = []
    for u in users:
        pk = u if isinstance(u, int) else u.pk
        if pk in seen:
            continue
        seen.add(pk)
        notices.append(Notice(user_id=pk, kind=kind, title=str(title)[:200], url=url, area=area))
    return Notice.objects.bulk_create(notices)


def unread_count(user: MaybeActor) -> int:
    if user is None or not user.is_authenticated:
        return 0
    return Notice.objects.filter(user_id=user.pk, read_at__isnull=True).count()


def mark_read(user: Actor, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notices read (those among ``ids``, or all); returns how many."""
    qs = Notice.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
