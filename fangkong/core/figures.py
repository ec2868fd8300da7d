"""The command centre's figures: each domain's numbers for the daily picture, the daily
report and the API, from one selector per domain.

Each app plugs its section in from a ``figures.py`` module (found by ``discover()``, like
``workqueue.py``), calling ``register`` with a key, a label, the permission needed to see
it, and one function from the app's selectors:

- ``figures(user, day) -> list[Figure]``: the domain's figures for ``day`` (a local
  calendar day) within the user's areas, each with its value, and where it makes sense
  its count per township (``by_township``: township path -> value, for the page's
  drill-down table) and the page that lists what is behind it.

The daily picture, the daily report (PDF and Excel) and ``/api/v1/command/`` all read
``sections_for(user, day)``: the page, the report and the API agree by construction. A
section's selector must be cheap (aggregate queries, no per-person loops): the county's
page has a time budget of 500 ms for all sections together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import autodiscover_modules

from fangkong.core.actors import Actor
from fangkong.core.roles import roles_with

Number = int | float | None


@dataclass(frozen=True)
class Figure:
    """One number of the daily picture."""

    key: str  # stable within its section: "cases.community_today"
    label: Any  # lazily translated
    value: Number
    unit: Any = ""  # "%", "h", lazily translated words such as "persons"
    url: str = ""  # the page that lists what the number counts, if any
    by_township: dict[str, Number] | None = None  # township path -> value
    note: Any = ""  # how it is counted, when the label cannot say it


@dataclass(frozen=True)
class Section:
    key: str
    label: Any
    permission: str
    figures: Callable[[Any, dt.date], list[Figure]]
    order: int = 100


@dataclass(frozen=True)
class SectionFigures:
    section: Section
    figures: list[Figure] = field(default_factory=list)


_sections: dict[str, Section] = {}
_discovered = False


def register(
    key: str,
    *,
    label: Any,
    permission: str,
    figures: Callable[[Any, dt.date], list[Figure]],
    order: int = 100,
) -> Section:
    """Add a domain's section to the daily picture."""
    roles_with(permission)  # an unknown permission fails here, not on the first page view
    if key in _sections and _sections[key].figures is not figures:
        raise ImproperlyConfigured(f"figures section {key!r} registered twice")
    section = Section(key, label, permission, figures, order)
    _sections[key] = section
    return section


def unregister(key: str) -> None:
    _sections.pop(key, None)


def discover() -> None:
    """Import every app's ``figures`` module once (they register their sections)."""
    global _discovered
    if not _discovered:
        autodiscover_modules("figures")
        _discovered = True


def sections() -> list[Section]:
    discover()
    return sorted(_sections.values(), key=lambda s: (s.order, s.key))


def sections_for(user: Actor, day: dt.date) -> list[SectionFigures]:
    """Every section the user may see, with its figures for ``day`` in the user's areas."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    return [
        SectionFigures(s, list(s.figures(user, day))) for s in sections() if user.can(s.permission)
    ]
