"""Merging two records of one person: keep one, move every reference and the history to it.

References are found generically through ``Person._meta`` (every reverse relation), so the foreign keys
and many-to-many fields that later apps point at a person move too, without this module
knowing them.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.errors import Conflict, NotFound, ValidationFailed
from fangkong.core.models import TimelineEvent
from fangkong.core.permissions import require, require_area
from fangkong.core.timeline import record_event
from fangkong.people.choices import PersonStatus, Sex
from fangkong.people.models import DuplicateCandidate, Person
from fangkong.people.states import PersonMachine

# Blank fields of the kept record are filled from the dropped one.
FILLABLE = ["doc_type", "id_number", "sex", "birth_date", "phone", "household", "notes"]


def _is_blank(person: Person, field: str) -> bool:
    value = getattr(person, field if field != "household" else "household_id")
    return value in (None, "") or (field == "sex" and value == Sex.UNKNOWN)


def person_relations() -> list[Any]:
    """Every relation pointing at Person, hidden ones (``related_name="+"``) included; the
    foreign keys of auto-created many-to-many tables come through their many-to-many."""
    return [
        rel
        for rel in Person._meta.get_fields(include_hidden=True)
        if rel.auto_created
        and not rel.concrete
        and (rel.many_to_many or not rel.related_model._meta.auto_created)  # type: ignore[union-attr]
    ]


def _move_references(keep: Person, drop: Person) -> dict[str, int]:
    moved: dict[str, int] = {}
    for rel in person_relations():
        model = rel.related_model
        label = f"{model._meta.label_lower}.{rel.field.name}"
        if rel.many_to_many:
            through = rel.through
            # the through model's foreign key to Person and to the other side
            to_person = next(
                f
                for f in through._meta.concrete_fields
                if f.is_relation and f.related_model is Person
            )
            other = next(
                f
                for f in through._meta.concrete_fields
                if f.is_relation and f is not to_person and f.related_model is model
            )
            already = through._base_manager.filter(**{to_person.name: keep}).values(other.attname)
            rows = through._base_manager.filter(**{to_person.name: drop})
            rows.filter(**{f"{other.attname}__in": already}).delete()
            n = rows.update(**{to_person.name: keep})
        else:
            qs = model._base_manager.filter(**{rel.field.name: drop})
            if model is Person and rel.field.name == "merged_into":
                qs = qs.exclude(pk=keep.pk)
            try:
                with transaction.atomic():
                    n = qs.update(**{rel.field.name: keep})
            except IntegrityError as exc:  # a one-to-one both records hold
                raise Conflict(
                    _("Both records hold a %(what)s that can exist only once; resolve it first.")
                    % {"what": model._meta.verbose_name}
                ) from exc
        if n:
            moved[label] = n
    n = TimelineEvent.objects.filter(subject_type="people.person", subject_id=drop.pk).update(
        subject_id=keep.pk
    )
    if n:
        moved["timeline"] = n
    return moved


@transaction.atomic
def merge_persons(keep: Person, drop: Person, *, by: Actor) -> Person:
    """Merge ``drop`` into ``keep``; returns the kept person.

    Every reference to ``drop`` (other models' foreign keys and many-to-many links, key
    categories, timeline events) moves to ``keep``; blank fields of ``keep`` are filled from
    ``drop``; ``drop`` stays as a merged record pointing at ``keep``."""
    require(by, "person.merge")
    if keep.pk == drop.pk:
        raise ValidationFailed(_("A person cannot be merged with itself."), field="drop")
    locked = {p.pk: p for p in Person.objects.select_for_update().filter(pk__in=[keep.pk, drop.pk])}
    if len(locked) != 2:
        raise NotFound(_("No such person."))
    keep, drop = locked[keep.pk], locked[drop.pk]
    visible = set(
        Person.objects.visible_to(by).filter(pk__in=[keep.pk, drop.pk]).values_list("pk", flat=True)
    )
    for field, person in (("keep", keep), ("drop", drop)):
        if person.pk not in visible:
            raise NotFound(_("No such person within your areas."), field=field)
        require_area(by, person.area, field=field)
        if person.status != PersonStatus.ACTIVE:
            raise Conflict(_("This record was already merged into another."), field=field)
    before_keep, before_drop = audit.snapshot(keep), audit.snapshot(drop)
    filled = []
    for field in FILLABLE:
        if _is_blank(keep, field) and not _is_blank(drop, field):
            attr = field if field != "household" else "household_id"
            setattr(keep, attr, getattr(drop, attr))
            filled.append(field)
    # the candidate rows are derived from the two records: dropped here, not moved, and
    # rebuilt for both when they are saved below
    DuplicateCandidate.objects.filter(person__in=[keep, drop]).delete()
    moved = _move_references(keep, drop)
    keep.categories.add(*drop.categories.all())
    drop.categories.clear()
    PersonMachine.move(drop, PersonStatus.MERGED)
    drop.merged_into = keep
    drop.version += 1
    drop.save()
    keep.version += 1  # an edit begun before the merge must not overwrite what it brought
    keep.save()
    detail = f"merged person {drop.pk} into {keep.pk}; moved {moved}; filled {filled}"
    audit.record(
        audit.Action.MERGE,
        keep,
        by=by,
        before={"keep": before_keep, "drop": before_drop},
        after={"keep": audit.snapshot(keep), "drop": audit.snapshot(drop)},
        detail=detail,
    )
    record_event(
        keep,
        "merged",
        _("Record #%(id)s of the same person merged into this one") % {"id": drop.pk},
        by=by,
        data={"dropped": drop.pk, "moved": moved, "filled": filled},
    )
    record_event(
        drop,
        "merged_into",
        _("Merged into record #%(id)s") % {"id": keep.pk},
        by=by,
        data={"kept": keep.pk},
    )
    return keep


def related_reference_count(person: Person) -> int:
    """How many rows of other models point at ``person`` (shown before a merge)."""
    total = 0
    for rel in person_relations():
        if rel.many_to_many:
            to_person = next(
                f
                for f in rel.through._meta.concrete_fields
                if f.is_relation and f.related_model is Person
            )
            total += rel.through._base_manager.filter(**{to_person.name: person}).count()
        elif isinstance(rel.field, models.ForeignKey):
            total += rel.related_model._base_manager.filter(**{rel.field.name: person}).count()
    return total
