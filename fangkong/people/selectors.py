"""Reads on persons worth naming."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from fangkong.core.pii import blind_index
from fangkong.people.idnumber import normalise_id, normalise_phone
from fangkong.people.models import Person


def persons_for(user: Any) -> QuerySet[Person]:
    return Person.objects.visible_to(user).filter(status="active").select_related("area")


def search_persons(user: Any, q: str) -> QuerySet[Person]:
    """One box: exact ID number or phone (blind index), else name or pinyin initials."""
    q = (q or "").strip()
    qs = persons_for(user)
    if not q:
        return qs
    compact = normalise_id(q)
    if len(compact) >= 15 and compact[:-1].isdigit():
        return qs.filter(id_number_index=blind_index(compact))
    phone = normalise_phone(q)
    if phone.isdigit() and len(phone) == 11:
        return qs.filter(phone_index=blind_index(phone))
    if q.isascii() and q.isalpha():
        return qs.filter(name_initials__startswith=q.lower())
    return qs.filter(name__startswith=q)
