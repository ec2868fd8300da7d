"""Writes on key-person categories (12类重点人员): configurable by the county."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.errors import ValidationFailed
from fangkong.core.permissions import require
from fangkong.people.models import KeyCategory


def _clean(code: str, name: str, exclude_pk: Any = None) -> tuple[str, str]:
    code, name = (code or "").strip(), (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not code:
        errors["code"] = [_("A code is required.")]
    elif len(code) > 32 or not code.replace("_", "").replace("-", "").isalnum():
        errors["code"] = [_("At most 32 letters, digits, '-' or '_'.")]
    elif KeyCategory.objects.filter(code=code).exclude(pk=exclude_pk).exists():
        errors["code"] = [_("The code %(c)s is already used.") % {"c": code}]
    if not name:
        errors["name"] = [_("A name is required.")]
    elif len(name) > 100:
        errors["name"] = [_("At most 100 characters.")]
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    return code, name


@transaction.atomic
def create_category(
    *,
    by: Actor,
    code: str,
    name: str,
    description: str = "",
    active: bool = True,
    sort_order: int = 0,
) -> KeyCategory:
    require(by, "category.manage")
    code, name = _clean(code, name)
    cat = KeyCategory.objects.create(
        code=code,
        name=name,
        description=(description or "").strip(),
        active=active,
        sort_order=sort_order,
        created_by=by,
    )
    audit.record(audit.Action.CREATE, cat, by=by, after=audit.snapshot(cat))
    return cat


@transaction.atomic
def update_category(
    category: KeyCategory,
    *,
    by: Actor,
    code: str,
    name: str,
    description: str = "",
    active: bool = True,
    sort_order: int = 0,
) -> KeyCategory:
    """Change a category; retiring one (``active=False``) keeps its members' history."""
    require(by, "category.manage")
    category = KeyCategory.objects.select_for_update().get(pk=category.pk)
    code, name = _clean(code, name, exclude_pk=category.pk)
    before = audit.snapshot(category)
    category.code, category.name = code, name
    category.description = (description or "").strip()
    category.active, category.sort_order = active, sort_order
    category.save()
    audit.record(
        audit.Action.UPDATE, category, by=by, before=before, after=audit.snapshot(category)
    )
    return category
