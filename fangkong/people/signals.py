"""Keep the likely-duplicates table as single persons are saved (people/duplicates.py)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from fangkong.people.models import Person


@receiver(post_save, sender=Person, dispatch_uid="people.duplicates")
def _refresh_duplicates(
    sender: Any, instance: Person, update_fields: Any = None, **kw: Any
) -> None:
    from fangkong.people.duplicates import WATCHED, refresh

    if kw.get("raw"):  # loading fixtures
        return
    if update_fields is None or WATCHED & set(update_fields):
        refresh([instance.pk])
