"""Revealing personal data in full: allowed to some roles, always audited."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.utils.translation import gettext as _

from fangkong.core import audit, ratelimit
from fangkong.core.actors import Actor
from fangkong.core.errors import NotFound, ValidationFailed
from fangkong.core.permissions import require
from fangkong.core.pii import EncryptedTextField
from fangkong.core.scoping import get_visible_or_404


def reveal(model_label: str, pk: Any, field_name: str, *, by: Actor) -> str:
    """The full value of one encrypted field of a record the user may see, logged."""
    require(by, "pii.reveal")
    ratelimit.hit(by, "pii.reveal")
    try:
        model = apps.get_model(model_label)
        field = model._meta.get_field(field_name)
    except (LookupError, ValueError, Exception) as exc:  # noqa: BLE001 - any bad name is a 404
        raise NotFound(_("No such field.")) from exc
    if not isinstance(field, EncryptedTextField) or not hasattr(model.objects, "visible_to"):
        raise ValidationFailed(_("This field holds no personal data."), field="field")
    obj = get_visible_or_404(model, by, pk=pk)
    audit.record(audit.Action.REVEAL, obj, by=by, detail=field_name)
    return getattr(obj, field_name)
