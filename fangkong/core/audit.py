"""The change log: every service records its writes here, before and after."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Sequence
from typing import Any, overload

from django.db import models

from fangkong.core.actors import Actor
from fangkong.core.context import request_id_var
from fangkong.core.models import AuditLog
from fangkong.core.pii import BlindIndexField, EncryptedTextField, mask_id_number

Action = AuditLog.Action


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value


@overload
def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]: ...
@overload
def snapshot(obj: None, fields: list[str] | None = None) -> None: ...
def snapshot(obj: models.Model | None, fields: list[str] | None = None) -> dict[str, Any] | None:
    """The concrete field values of ``obj``, personal data masked, blind indexes left out."""
    if obj is None:
        return None
    out: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if isinstance(field, BlindIndexField) or field.name in {"password", "key_hash"}:
            continue
        value = getattr(obj, field.attname)
        if isinstance(field, EncryptedTextField):
            value = field.mask(value)
        out[field.name] = _jsonable(value)
    return out


def shown(snap: dict[str, Any] | None) -> dict[str, Any] | None:
    """A snapshot as the audit log shows it (page and export; no role reading it may reveal):
    ID numbers under today's mask (rows written under an older, weaker mask included) and
    birth dates as their year, so the row cannot rebuild a number."""
    if not snap:
        return snap
    out = dict(snap)
    if isinstance(out.get("id_number"), str):
        out["id_number"] = mask_id_number(out["id_number"])
    if isinstance(out.get("birth_date"), str) and out["birth_date"]:
        out["birth_date"] = out["birth_date"][:4]
    return out


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> tuple[dict, dict]:
    """Only the fields that changed, for updates."""
    if not before or not after:
        return before or {}, after or {}
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def build(
    action: str,
    obj: models.Model | None = None,
    *,
    by: Actor | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    detail: str = "",
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> AuditLog:
    """An unsaved change-log row (updates keep only the changed fields)."""
    if action == Action.UPDATE:
        before, after = diff(before, after)
    actor = by if getattr(by, "is_authenticated", False) else None
    return AuditLog(
        actor=actor,
        actor_name=getattr(by, "username", "") or (str(by) if by else "system"),
        action=action,
        object_type=object_type or (obj._meta.label_lower if obj is not None else ""),
        object_id=object_id or (str(obj.pk) if obj is not None else ""),
        object_repr=(object_repr or (str(obj) if obj is not None else ""))[:200],
        before=before,
        after=after,
        detail=detail[:500],
        request_id=request_id_var.get(),
    )


def record(
    action: str, obj: models.Model | None = None, *, by: Actor | None, **kwargs: Any
) -> AuditLog:
    """Write one change-log row now (see ``build`` for the arguments)."""
    row = build(action, obj, by=by, **kwargs)
    row.save()
    return row


def insert(row: AuditLog) -> AuditLog:
    """Write a row made by ``build`` with one cached statement (``core.db.statements``):
    for a hot path such as a scan, where ``save()`` costs more than the insert itself."""
    from fangkong.core.db import statements

    statements.insert(row)
    return row


def record_many_created(
    objs: Sequence[models.Model], *, by: Actor | None, detail: str = ""
) -> None:
    """One audit row per created object, in one bulk insert (imports, demo data)."""
    actor = by if getattr(by, "is_authenticated", False) else None
    rid = request_id_var.get()
    AuditLog.objects.bulk_create(
        [
            AuditLog(
                actor=actor,
                actor_name=getattr(by, "username", "") or "system",
                action=Action.CREATE,
                object_type=o._meta.label_lower,
                object_id=str(o.pk),
                object_repr=str(o)[:200],
                after=snapshot(o),
                detail=detail[:500],
                request_id=rid,
            )
            for o in objs
        ],
        batch_size=2000,
    )


WRITES = (Action.CREATE, Action.UPDATE, Action.DELETE, Action.IMPORT, Action.MERGE)


def acted_since(user: Actor, at: dt.datetime) -> bool:
    """Whether ``user`` changed anything after ``at`` (a change-log row of theirs): a
    figure counted before must be counted again for them."""
    return AuditLog.objects.filter(actor_id=user.pk, at__gt=at, action__in=WRITES).exists()
