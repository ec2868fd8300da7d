"""Slots: places on one app's page where other apps add a section of their own, without
the page's app importing them (the checkpoint officer's phone page shows logistics'
freight-pass check).

A page names its slot (``"checkpoints.check"``) and renders ``templates_for(slot, user)``
with its own context; an app fills a slot from a ``slots.py`` module (found by
``discover()``, like ``workqueue.py``), calling ``register`` with the slot, a key, the
template and the permission a user needs to see the section (a user without it sees
nothing, so a section never shows a control that would answer 403).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import autodiscover_modules

from fangkong.core.roles import roles_with


@dataclass(frozen=True)
class Section:
    slot: str
    key: str
    template: str
    permission: str
    order: int = 100


_sections: dict[tuple[str, str], Section] = {}
_discovered = False


def register(slot: str, key: str, *, template: str, permission: str, order: int = 100) -> Section:
    """Add a section to a page's slot."""
    roles_with(permission)  # an unknown permission fails at start-up, not on a page view
    old = _sections.get((slot, key))
    if old is not None and old.template != template:
        raise ImproperlyConfigured(f"slot section {slot}/{key} registered twice")
    section = Section(slot, key, template, permission, order)
    _sections[(slot, key)] = section
    return section


def unregister(slot: str, key: str) -> None:
    _sections.pop((slot, key), None)


def discover() -> None:
    """Import every app's ``slots`` module once (they register their sections)."""
    global _discovered
    if not _discovered:
        autodiscover_modules("slots")
        _discovered = True


def sections_for(slot: str, user: Any) -> list[Section]:
    """The sections of ``slot`` the user may see, in their order."""
    discover()
    found = [s for s in _sections.values() if s.slot == slot and user.can(s.permission)]
    return sorted(found, key=lambda s: (s.order, s.key))


def templates_for(slot: str, user: Any) -> list[str]:
    return [s.template for s in sections_for(slot, user)]
