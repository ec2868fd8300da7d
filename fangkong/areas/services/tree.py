"""Writes on the area tree: add, edit and move nodes; the seed's county."""

from __future__ import annotations

import re

from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.areas.choices import LEVEL_OF_KIND, AreaKind, kind_fits_under
from fangkong.areas.county import COUNTY_CODE, COUNTY_NAME, township_units
from fangkong.areas.models import Area
from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.errors import ValidationFailed
from fangkong.core.permissions import require, require_area
from fangkong.core.text import control_message

CODE_RE = re.compile(r"^[0-9A-Za-z_-]{1,32}$")


def steps_to_path(parent_path: str, step: int) -> str:
    """The treebeard path of the ``step``-th child (1-based) under ``parent_path``."""
    key = Area._int2str(step)
    return f"{parent_path}{'0' * (Area.steplen - len(key))}{key}"


def last_step(parent_path: str, depth: int) -> int:
    """The highest child step used under a node (0 when it has no children)."""
    last = (
        Area.objects.filter(path__startswith=parent_path, depth=depth + 1)
        .order_by("-path")
        .values_list("path", flat=True)
        .first()
    )
    return Area._str2int(last[-Area.steplen :]) if last else 0


def code_error(code: str) -> str | None:
    if not code:
        return _("A code is required.")
    if not CODE_RE.match(code):
        return _("A code has 1 to 32 letters, digits, '-' or '_'.")
    return None


def name_error(name: str) -> str | None:
    if not name:
        return _("A name is required.")
    if len(name) > 100:
        return _("At most 100 characters.")
    return control_message(name)


def level_error(kind: str, parent_kind: str | None) -> str | None:
    if kind_fits_under(kind, parent_kind):
        return None
    if parent_kind is None:
        return _("Only a county can stand without a parent area.")
    return _("A %(kind)s cannot stand directly under a %(parent)s.") % {
        "kind": AreaKind(kind).label,
        "parent": AreaKind(parent_kind).label,
    }


def add_area(*, parent: Area | None, code: str, name: str, kind: str) -> Area:
    """Add one node under ``parent`` (the root when None). Low level: no permission check,
    no audit (setup code and tests); operators go through ``create_area``."""
    if kind not in AreaKind.values:
        raise ValidationFailed(_("Unknown area kind."), field="kind")
    if Area.objects.filter(code=code).exists():
        raise ValidationFailed(_("The code %(c)s is already used.") % {"c": code}, field="code")
    if parent is None:
        return Area.objects.add_root(create_kwargs={"code": code, "name": name, "kind": kind})
    return Area.objects.add_child(parent, create_kwargs={"code": code, "name": name, "kind": kind})


def _check_fields(code: str, name: str, kind: str, parent: Area | None) -> None:
    errors: dict[str, list[str]] = {}
    if err := code_error(code):
        errors.setdefault("code", []).append(err)
    if err := name_error(name):
        errors.setdefault("name", []).append(err)
    if kind not in AreaKind.values:
        errors.setdefault("kind", []).append(_("Unknown area kind."))
    elif err := level_error(kind, parent.kind if parent else None):
        errors.setdefault("kind", []).append(err)
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)


@transaction.atomic
def create_area(*, by: Actor, parent: Area | None, code: str, name: str, kind: str) -> Area:
    """Add a node under ``parent`` (which must lie within the user's areas)."""
    require(by, "area.manage")
    if parent is None:
        raise ValidationFailed(_("A parent area is required."), field="parent")
    require_area(by, parent, field="parent")
    code, name = (code or "").strip(), (name or "").strip()
    _check_fields(code, name, kind, parent)
    if Area.objects.filter(code=code).exists():
        raise ValidationFailed(_("The code %(c)s is already used.") % {"c": code}, field="code")
    area = Area.objects.add_child(
        Area.objects.get(pk=parent.pk), create_kwargs={"code": code, "name": name, "kind": kind}
    )
    audit.record(audit.Action.CREATE, area, by=by, after=audit.snapshot(area))
    return area


@transaction.atomic
def update_area(
    area: Area,
    *,
    by: Actor,
    name: str | None = None,
    kind: str | None = None,
    parent: Area | None = None,
) -> Area:
    """Rename, re-kind or move a node (with its subtree) under another parent.

    A node cannot move under itself or its own descendants (a cycle), and must still fit
    one level below its parent."""
    require(by, "area.manage")
    require_area(by, area)
    area = Area.objects.select_for_update().get(pk=area.pk)
    before = audit.snapshot(area)
    current_parent = Area.objects.get_parent(area) if area.depth > 1 else None
    new_parent = current_parent
    if parent is not None and (current_parent is None or parent.pk != current_parent.pk):
        require_area(by, parent, field="parent")
        parent = Area.objects.get(pk=parent.pk)
        if parent.pk == area.pk or parent.path.startswith(area.path):
            raise ValidationFailed(
                _("An area cannot move under itself or one of its own sub-areas (a cycle)."),
                field="parent",
            )
        new_parent = parent
    new_name = area.name if name is None else name.strip()
    new_kind = area.kind if kind is None else kind
    _check_fields(area.code, new_name, new_kind, new_parent)
    if new_kind != area.kind and LEVEL_OF_KIND[new_kind] != LEVEL_OF_KIND[area.kind]:
        raise ValidationFailed(_("The new kind must stay at the same level."), field="kind")
    if new_parent is not current_parent and new_parent is not None:
        Area.objects.move(area, new_parent, pos="sorted-child")
        area = Area.objects.get(pk=area.pk)
    if (new_name, new_kind) != (area.name, area.kind):
        area.name, area.kind = new_name, new_kind
        area.save(update_fields=["name", "kind"])
    audit.record(audit.Action.UPDATE, area, by=by, before=before, after=audit.snapshot(area))
    return area


@transaction.atomic
def ensure_county(by: Actor | None = None) -> Area:
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
