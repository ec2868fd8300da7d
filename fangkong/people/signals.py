"""What follows a single person's save: the likely-duplicates table (people/duplicates.py),
the search index (people/fragments.py) and the cached counts of the registry (core/counts.py),
which a household's save retires too. Bulk writers call ``people.services.persons_written``
themselves (no signal fires for them)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from fangkong.core import counts
from fangkong.people.models import Household, Person

COUNTED = frozenset({"area", "area_id", "status"})  # what the registry's counts depend on


@receiver(post_save, sender=Person, dispatch_uid="people.person_saved")
def _person_saved(sender: Any, instance: Person, update_fields: Any = None, **kw: Any) -> None:
    from fangkong.people import fragments
    from fangkong.people.duplicates import WATCHED, refresh

    if kw.get("raw"):  # loading fixtures
        return
    fields = None if update_fields is None else set(update_fields)
    if fields is None or WATCHED & fields:
        refresh([instance.pk])
    if fields is None or fragments.WATCHED & fields:
        fragments.refresh([instance.pk])
    if fields is None or COUNTED & fields:
        counts.changed(counts.PERSONS)


@receiver(post_delete, sender=Person, dispatch_uid="people.person_deleted")
def _person_deleted(sender: Any, **kw: Any) -> None:
    counts.changed(counts.PERSONS)


@receiver(m2m_changed, sender=Person.categories.through, dispatch_uid="people.categories")
def _categories_changed(sender: Any, action: str, **kw: Any) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        counts.changed(counts.PERSONS)


@receiver(post_save, sender=Household, dispatch_uid="people.household_saved")
def _household_saved(sender: Any, instance: Household, created: bool = False, **kw: Any) -> None:
    # the household list's cached length (bulk writers call persons_written)
    fields = kw.get("update_fields")
    if not kw.get("raw") and (created or fields is None or {"area", "area_id"} & set(fields)):
        counts.changed(counts.PERSONS)


@receiver(post_delete, sender=Household, dispatch_uid="people.household_deleted")
def _household_deleted(sender: Any, **kw: Any) -> None:
    counts.changed(counts.PERSONS)
