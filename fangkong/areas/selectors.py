from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from fangkong.areas.models import Area


def areas_for(user: Any) -> QuerySet[Area]:
    """The user's areas and everything below them."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or not user.area_paths:
        return Area.objects.none()
    q = Q()
    for path in user.area_paths:
        q |= Q(path__startswith=path)
    return Area.objects.filter(q)
