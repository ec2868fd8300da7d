"""Writes on the area tree."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.areas.choices import AreaKind
from fangkong.areas.county import COUNTY_CODE, COUNTY_NAME, township_units
from fangkong.areas.models import Area
from fangkong.core.errors import ValidationFailed


def add_area(*, parent: Area | None, code: str, name: str, kind: str) -> Area:
    """Add one node under ``parent`` (the root when None)."""
    if kind not in AreaKind.values:
        raise ValidationFailed(_("Unknown area kind."), field="kind")
    if Area.objects.filter(code=code).exists():
        raise ValidationFailed(_("The code %(c)s is already used.") % {"c": code}, field="code")
    if parent is None:
        return Area.objects.add_root(create_kwargs={"code": code, "name": name, "kind": kind})
    return Area.objects.add_child(parent, create_kwargs={"code": code, "name": name, "kind": kind})


@transaction.atomic
def ensure_county(by: Any = None) -> Area:
    """The seed's county and its 39 township-level units; idempotent."""
    county = Area.objects.filter(code=COUNTY_CODE).first()
    if county is None:
        county = add_area(parent=None, code=COUNTY_CODE, name=COUNTY_NAME, kind=AreaKind.COUNTY)
    have = set(Area.objects.filter(depth=2).values_list("code", flat=True))
    for code, name, kind in township_units():
        if code not in have:
            county = Area.objects.get(pk=county.pk)  # treebeard needs a fresh numchild
            add_area(parent=county, code=code, name=name, kind=kind)
    return Area.objects.get(pk=county.pk)
