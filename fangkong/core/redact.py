"""Taking someone's personal data out of every text that quotes it: free-text fields, the
domain timeline, the change log. Used by the retention purge (``people.retention``).

A ``Scrubber`` knows the values to take out (names, document and phone numbers, and their
masked forms) and replaces each occurrence; the rows are found by the objects they
concern, never by searching the whole table for the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import models, transaction

from fangkong.core import pii
from fangkong.core.db import chunks
from fangkong.core.models import AuditLog, AuditRedaction, TimelineEvent

REPLACEMENT = "＊＊"
MIN_LENGTH = 2  # a one-character "name" would wipe every text it occurs in


class Scrubber:
    """Replaces every occurrence of the given values in strings and JSON; with ``keys``,
    also the whole value of those keys in JSON (a person's own snapshots: the name and notes
    as they were before an edit, which no current value matches)."""

    def __init__(
        self, values: Iterable[str], replacement: str = REPLACEMENT, keys: Iterable[str] = ()
    ):
        words = sorted({v for v in values if v and len(v) >= MIN_LENGTH}, key=len, reverse=True)
        self.replacement = replacement
        self.keys = frozenset(keys)
        self.pattern = re.compile("|".join(map(re.escape, words))) if words else None

    def __bool__(self) -> bool:
        return self.pattern is not None or bool(self.keys)

    def text(self, value: str) -> str:
        if not value or self.pattern is None:
            return value
        return self.pattern.sub(self.replacement, value)

    def value(self, value: Any) -> Any:
        """A string, or JSON (dicts, lists) with every string in it scrubbed."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {
                k: (self.replacement if v and k in self.keys else self.value(v))
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [self.value(v) for v in value]
        return value


def person_values(name: str, id_number: str, phone: str) -> list[str]:
    """What to take out for one person: the values and the masked forms shown of them
    (today's and the older 6 + 4 mask of document numbers)."""
    out = [name, id_number, phone, pii.mask_id_number(id_number), pii.mask_phone(phone)]
    if len(id_number) >= 15:
        out.append(id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:])
    return [v for v in out if v]


def values_of_keys(value: Any, keys: frozenset[str]) -> Iterator[str]:
    """Every string held under one of ``keys`` anywhere in the JSON ``value``."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k in keys and isinstance(v, str):
                yield v
            else:
                yield from values_of_keys(v, keys)
    elif isinstance(value, list):
        for v in value:
            yield from values_of_keys(v, keys)


def text_fields(model: type[models.Model]) -> list[str]:
    """The fields of ``model`` that may quote someone: free text and JSON (not choices,
    encrypted values or blind indexes, which are handled by their owners)."""
    out = []
    for f in model._meta.concrete_fields:
        if (
            f.primary_key
            or f.choices
            or isinstance(f, pii.EncryptedTextField | pii.BlindIndexField)
        ):
            continue
        if isinstance(f, models.CharField | models.TextField | models.JSONField):
            out.append(f.name)
    return out


def scrub_rows(
    model: type[models.Model], pks: Iterable[Any], scrubber: Scrubber, fields: list[str]
) -> int:
    """Rewrite ``fields`` of the rows ``pks`` of ``model`` where the scrubber changes them;
    returns how many rows changed. ``AuditLog`` rows need ``audit_redaction``."""
    if not scrubber or not fields:
        return 0
    changed: list[models.Model] = []
    manager = model._base_manager
    for part in chunks(sorted(set(pks))):
        for obj in manager.filter(pk__in=part).only("pk", *fields).iterator(chunk_size=2000):
            dirty = False
            for name in fields:
                old = getattr(obj, name)
                new = scrubber.value(old)
                if new != old:
                    setattr(obj, name, new)
                    dirty = True
            if dirty:
                changed.append(obj)
    manager.bulk_update(changed, fields, batch_size=500)
    return len(changed)


def _by_object(
    model: type[models.Model], type_field: str, id_field: str, subjects: dict[str, set[Any]]
) -> Iterator[Any]:
    """Primary keys of the ``model`` rows about any of ``subjects`` (label -> object ids)."""
    field = model._meta.get_field(id_field)
    as_text = isinstance(field, models.Field) and field.get_internal_type() == "CharField"
    for label, ids in subjects.items():
        values = sorted(str(i) for i in ids) if as_text else sorted(ids)
        for part in chunks(values):
            yield from model._base_manager.filter(
                **{type_field: label, f"{id_field}__in": part}
            ).values_list("pk", flat=True)


def scrub_logs(subjects: dict[str, set[Any]], scrubber: Scrubber) -> dict[str, int]:
    """Scrub the timeline events and the change-log rows about ``subjects``: who, when, what
    and which object stay; the texts lose the scrubber's values. Inside a transaction."""
    events = list(_by_object(TimelineEvent, "subject_type", "subject_id", subjects))
    rows = list(_by_object(AuditLog, "object_type", "object_id", subjects))
    with audit_redaction("personal data past retention"):
        audits = scrub_rows(AuditLog, rows, scrubber, ["object_repr", "before", "after", "detail"])
    return {
        "timeline": scrub_rows(TimelineEvent, events, scrubber, ["summary", "data"]),
        "audit": audits,
    }


@contextmanager
def audit_redaction(reason: str) -> Iterator[None]:
    """Let this transaction rewrite the texts of audit rows (see ``AuditRedaction``). The
    grant lives in a savepoint of its own: deleted at the end, rolled back with an error."""
    with transaction.atomic():
        grant = AuditRedaction.objects.create(reason=reason[:200])
        yield
        AuditRedaction.objects.filter(pk=grant.pk).delete()
