"""Helpers shared by the testing services: checks and barcodes."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from fangkong.core.actors import Actor
from fangkong.core.errors import PermissionDenied, ValidationFailed
from fangkong.core.permissions import require, require_area
from fangkong.core.text import refuse_control
from fangkong.testing.models import TestingPoint

BARCODE_RE = re.compile(r"^[0-9A-Za-z_-]{4,40}$")


def clean_barcode(value: Any, *, field: str = "barcode") -> str:
    code = str(value or "").strip()
    if not code:
        raise ValidationFailed(_("Scan or type a barcode."), field=field)
    if not BARCODE_RE.match(code):
        raise ValidationFailed(
            _("%(code)r is not a barcode: 4 to 40 letters, digits, '-' or '_'.") % {"code": code},
            field=field,
        )
    return code


def clean_text(value: Any, *, field: str, max_length: int, missing: str = "") -> str:
    """The text stripped; refused (naming ``field``) when longer than ``max_length``, or
    when empty if ``missing`` says why it is needed."""
    text = (value or "").strip()
    if missing and not text:
        raise ValidationFailed(missing, field=field)
    if len(text) > max_length:
        raise ValidationFailed(_("At most %(n)d characters.") % {"n": max_length}, field=field)
    refuse_control({field: text})
    return text


def check_sampler(by: Actor, point: TestingPoint) -> None:
    """A sampler samples at the points they are assigned to; county command anywhere."""
    require(by, "testing.sample")
    require_area(by, point.area, field="point")
    check_seat(
        by,
        point_name=str(point),
        active=point.active,
        is_sampler=lambda: point.samplers.filter(pk=by.pk).exists(),
    )


def check_seat(
    by: Actor, *, point_name: str, active: bool, is_sampler: bool | Callable[[], bool]
) -> None:
    """The sampler's seat at a point within their areas (``check_sampler`` on a point read
    lean by the scan): county command anywhere; a sampler at an open point they serve."""
    if by.can("testing.sample.any_point"):
        return
    if not (is_sampler() if callable(is_sampler) else is_sampler):
        raise PermissionDenied(_("You are not a sampler of %(point)s.") % {"point": point_name})
    if not active:
        raise ValidationFailed(_("This testing point is closed."), field="point")
