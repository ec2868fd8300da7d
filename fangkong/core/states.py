"""State machines: one per state field, declared once from its transition table.

An app declares its machines in ``<app>/states.py``, the table itself staying in
``choices.py`` beside the ``TextChoices`` it is made of::

    RoomMachine = StateMachine(
        Room.state,                      # the field (or: Room, "state")
        ROOM_TRANSITIONS,                # {from: {to, ...}} in TextChoices members
        describe=lambda r: _("Room %(n)s") % {"n": r.number},
        changed_at="state_changed_at",   # stamped on every move (optional)
        timeline=True,                   # moves go on the object's timeline
    )

and every change of that field goes through it:

- ``check(obj, to)`` raises the one domain error, ``IllegalTransition`` (409), naming the
  object and the current and the wanted state by their labels in the user's language:
  "Room 101 cannot go from “Occupied” to “Out of service”." — the same wording pattern for
  every machine, in Chinese and English;
- ``move(obj, to)`` checks and changes the object in memory (the caller saves it with the
  rest of its changes, or writes many in bulk); ``perform(obj, to, by=...)`` also saves it
  and records the audit row (``core.audit``) and the timeline event (``core.timeline``),
  or collects both in a caller's ``LogBatch``;
- ``sources(to)`` is the set of states the table allows into ``to``: a bulk or raw-SQL
  update filters by it (``bulk(queryset, to)``, ``q_sources(to)``, ``sql_sources(to)``),
  so the rows it may change are exactly those a move one by one would accept.

Why not a library. django-fsm is deprecated (its author moved to ``viewflow.fsm``); both
it and viewflow's ``fsm.State`` declare transitions as decorated methods, one per move, on
the single object in hand, and neither gives the set of sources for a target that a
queryset ``update()`` or a hand-written ``UPDATE ... WHERE state IN (...)`` must filter
by. python-statemachine builds a machine object per model instance (cost on the check-in
and release hot paths, hundreds a second) and also knows nothing of querysets. Our needs
are a table lookup, an inverse table, one error and two log calls: a hundred lines
written here serve single objects and bulk updates alike, with our audit and timeline.

``machines()`` lists every machine declared (importing each app's ``states`` module), so
``tests/test_meta_states.py`` fails for a state field nobody declared.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from fangkong.core.actors import Actor
from fangkong.core.errors import IllegalTransition

_REGISTRY: dict[tuple[str, str], StateMachine] = {}


class StateMachine:
    """The allowed moves of one state field (see the module's doc)."""

    def __init__(
        self,
        field: Any,
        transitions: Mapping[str, Iterable[str]],
        *,
        name: str | None = None,
        describe: Callable[[Any], Any] | None = None,
        error_field: str | None = None,
        changed_at: str | None = None,
        timeline: bool = False,
        register: bool = True,
    ) -> None:
        if isinstance(field, tuple):
            model, name_ = field
            field = model._meta.get_field(name_)
        else:
            field = getattr(field, "field", field)  # Room.state gives a DeferredAttribute
        self.field: models.Field = field
        self.model: type[models.Model] = field.model
        self.name = name or field.name
        self.choices: dict[str, Any] = dict(field.choices or ())
        self.table: dict[str, frozenset[str]] = {
            str(k): frozenset(str(t) for t in v) for k, v in transitions.items()
        }
        self.describe = describe
        self.error_field = error_field or field.name
        self.changed_at = changed_at
        self.timeline = timeline
        self._check_table()
        inverse: dict[str, set[str]] = {s: set() for s in self.choices}
        for src, targets in self.table.items():
            for t in targets:
                inverse[t].add(src)
        self._sources = {k: frozenset(v) for k, v in inverse.items()}
        if register:
            key = (self.model._meta.label_lower, field.name)
            if key in _REGISTRY and _REGISTRY[key].table != self.table:
                raise ValueError(f"two machines for {key}")
            _REGISTRY[key] = self

    def _check_table(self) -> None:
        states = set(self.choices)
        named = set(self.table) | {t for v in self.table.values() for t in v}
        if unknown := named - states:
            raise ValueError(f"{self.model.__name__}.{self.field.name}: unknown {unknown}")
        if missing := states - set(self.table):
            raise ValueError(f"{self.model.__name__}.{self.field.name}: no row for {missing}")

    def __repr__(self) -> str:
        return f"<StateMachine {self.model._meta.label}.{self.field.name}>"

    # --- the table ----------------------------------------------------------------------
    @property
    def states(self) -> tuple[str, ...]:
        return tuple(self.choices)

    def label(self, state: str) -> str:
        """The state's label in the active language (the code itself if unknown)."""
        return str(self.choices.get(state, state))

    def targets(self, source: str) -> frozenset[str]:
        return self.table.get(source, frozenset())

    def sources(self, target: str) -> frozenset[str]:
        """The states from which the table allows a move into ``target``."""
        if target not in self._sources:
            raise ValueError(f"{self!r}: no state {target!r}")
        return self._sources[target]

    def allows(self, source: str, target: str) -> bool:
        return target in self.table.get(source, ())

    def moves(self) -> list[tuple[str, str]]:
        """Every allowed (from, to) pair, in the table's order."""
        return [(s, t) for s in self.table for t in sorted(self.table[s])]

    # --- single objects -----------------------------------------------------------------
    def current(self, obj: Any) -> str:
        return getattr(obj, self.field.attname)

    def subject(self, obj: Any) -> str:
        """How an error names the object: ``describe(obj)``, else the model's name."""
        if self.describe is not None:
            return str(self.describe(obj))
        return str(capfirst(self.model._meta.verbose_name))

    def error(
        self,
        obj: Any,
        target: str,
        *,
        field: str | None = None,
        code: str | None = None,
        detail: Any = "",
    ) -> IllegalTransition:
        """The error of an illegal move: the object, its state and the state wanted, by
        their labels; ``detail`` (a sentence) may follow, ``code`` may be more precise than
        ``illegal_transition`` for a client to act on (e.g. ``decided``)."""
        message = _("%(object)s cannot go from “%(current)s” to “%(wanted)s”.") % {
            "object": self.subject(obj),
            "current": self.label(self.current(obj)),
            "wanted": self.label(target),
        }
        if detail:
            message = f"{message} {detail}"
        return IllegalTransition(message, field=field or self.error_field, code=code)

    def check(self, obj: Any, target: str, **kwargs: Any) -> None:
        """Raise ``IllegalTransition`` (see ``error`` for ``field``, ``code`` and ``detail``)
        unless the table allows ``obj``'s move to ``target``."""
        if target not in self.table.get(self.current(obj), ()):
            raise self.error(obj, target, **kwargs)

    def move(
        self, obj: Any, target: str, *, at: dt.datetime | None = None, field: str | None = None
    ) -> str:
        """Check, then set the state on ``obj`` in memory (and ``changed_at``); returns the
        state it left. The caller saves (or writes many in bulk)."""
        self.check(obj, target, field=field)
        old = self.current(obj)
        setattr(obj, self.field.attname, target)
        if self.changed_at:
            setattr(obj, self.changed_at, at or timezone.now())
        return old

    def follow(self, obj: Any, moved: Any, *also: str) -> None:
        """``obj`` takes the state (and ``changed_at`` and ``also``) of ``moved``, the same
        row read afresh, locked and moved: the caller's instance is no stale copy."""
        for name in (self.field.attname, *([self.changed_at] if self.changed_at else []), *also):
            setattr(obj, name, getattr(moved, name))

    def update_fields(self, *also: str) -> list[str]:
        """The fields a move writes, with ``also`` and ``updated_at`` where the model has it."""
        names = [self.field.name, *([self.changed_at] if self.changed_at else []), *also]
        if any(f.name == "updated_at" for f in self.model._meta.concrete_fields):
            names.append("updated_at")
        return list(dict.fromkeys(names))

    def perform(
        self,
        obj: Any,
        target: str,
        *,
        by: Actor | None,
        at: dt.datetime | None = None,
        also: Mapping[str, Any] | None = None,
        detail: str = "",
        event: str | None = None,
        summary: Any = None,
        event_subject: Any = None,
        area: Any = None,
        data: dict[str, Any] | None = None,
        logs: Any = None,
        field: str | None = None,
        audit_fields: Iterable[str] = (),
        before: dict[str, Any] | None = None,
    ) -> str:
        """``move`` and save, with the audit row and, for a machine with ``timeline`` or
        when ``event`` is given, the timeline event (kind ``event`` or "state", ``summary``
        or "A → B", on ``event_subject`` or the object). ``also``: other fields changed
        with the move ({name: value}), set and saved with it. The audit row shows the
        state, ``also`` and ``audit_fields`` before and after (``before``: a snapshot the
        caller took before changing fields itself). With ``logs`` (a ``LogBatch``) the rows
        are collected there. Returns the state left. Call it inside the caller's
        transaction, on a row it has locked."""
        from fangkong.core import audit
        from fangkong.core.timeline import build_event

        also = dict(also or {})
        shown = [self.field.name, *([self.changed_at] if self.changed_at else []), *also]
        shown += list(audit_fields)
        if before is None:
            before = audit.snapshot(obj, shown)
        old = self.move(obj, target, at=at, field=field)
        for name, value in also.items():
            setattr(obj, name, value)
        obj.save(update_fields=self.update_fields(*also))
        row = audit.build(
            audit.Action.UPDATE,
            obj,
            by=by,
            before=before,
            after=audit.snapshot(obj, shown),
            detail=detail,
        )
        ev = None
        if event or self.timeline:
            ev = build_event(
                event_subject if event_subject is not None else obj,
                event or "state",
                summary
                if summary is not None
                else _("%(a)s → %(b)s") % {"a": self.label(old), "b": self.label(target)},
                by=by,
                area=area,
                at=at,
                data={"from": old, "to": target, **(data or {})},
            )
        if logs is not None:
            logs.audits.append(row)
            if ev is not None:
                logs.events.append(ev)
        else:
            row.save()
            if ev is not None:
                ev.save()
        return old

    # --- many rows at once --------------------------------------------------------------
    def q_sources(self, target: str, prefix: str = "") -> Q:
        """A Q keeping the rows allowed into ``target`` (``prefix``: a path to the model,
        e.g. ``"tube__"``)."""
        return Q(**{f"{prefix}{self.field.name}__in": sorted(self.sources(target))})

    def bulk(self, queryset: models.QuerySet, target: str, **values: Any) -> int:
        """``queryset.update(state=target, **values)`` on the rows the table allows into
        ``target`` (the others are left as they are); returns the number changed."""
        if self.changed_at and self.changed_at not in values:
            values[self.changed_at] = timezone.now()
        if "updated_at" not in values and "updated_at" in self.update_fields():
            values["updated_at"] = timezone.now()
        return queryset.filter(self.q_sources(target)).update(**{self.field.name: target}, **values)

    def sql_sources(self, target: str, column: str | None = None) -> tuple[str, list[str]]:
        """``("<column> IN (%s, ...)", [sources])``: the same filter for hand-written SQL
        (``column`` defaults to the field's column, unqualified)."""
        src = sorted(self.sources(target))
        col = column or self.field.column
        if not src:
            return "1 = 0", []
        return f"{col} IN ({', '.join(['%s'] * len(src))})", src


@functools.cache
def enums() -> dict[str, type[models.TextChoices]]:
    """The ``TextChoices`` of every machine's states, by class name: templates compare with
    them (``{% if p.status == states.PhaseStatus.ACTIVE %}``, the ``states`` context
    processor), so no state is written as a literal outside ``choices.py``."""
    import sys

    out: dict[str, type[models.TextChoices]] = {}
    for m in machines():
        wanted = set(m.choices)
        found = list(vars(sys.modules[m.model.__module__]).values())
        found += [v for klass in m.model.__mro__ for v in vars(klass).values()]
        for value in found:
            if (
                isinstance(value, type)
                and issubclass(value, models.TextChoices)
                and set(value.values) == wanted
            ):
                out[value.__name__] = value
    return out


def machine_for(model: type[models.Model] | models.Model, field: str) -> StateMachine:
    """The machine of ``model.field`` (KeyError when none was declared)."""
    machines()
    return _REGISTRY[(model._meta.label_lower, field)]


def machines() -> list[StateMachine]:
    """Every machine declared, after importing each fangkong app's ``states`` module."""
    from importlib import import_module

    from django.apps import apps
    from django.utils.module_loading import module_has_submodule

    for config in apps.get_app_configs():
        if config.name.startswith("fangkong.") and module_has_submodule(config.module, "states"):
            import_module(f"{config.name}.states")
    return list(_REGISTRY.values())


# The platform's own machine (core has no states module apart from this one).
from fangkong.core.models import EXPORT_TRANSITIONS, ExportJob  # noqa: E402

ExportMachine = StateMachine(ExportJob.status, EXPORT_TRANSITIONS, describe=str, error_field="job")
