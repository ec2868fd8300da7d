"""The grid: county → township/street → village/community → group/estate → building."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from fangkong.areas.choices import LEVEL_OF_KIND, AreaKind


class Area(MP_Node):
    """A node of the administrative grid (materialised path: scoping is a prefix match)."""

    steplen = 4
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    node_order_by = ["code"]

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=AreaKind.choices)

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")

    def __str__(self) -> str:
        return self.name

    @property
    def level(self) -> int:
        return LEVEL_OF_KIND[self.kind]

    def clean(self) -> None:
        if self.kind not in LEVEL_OF_KIND:
            raise ValidationError({"kind": _("Unknown area kind.")})

    def full_name(self) -> str:
        """Names from the township down, as an address line (county omitted)."""
        names = [a.name for a in Area.objects.get_ancestors(self) if a.depth > 1]
        return " ".join([*names, self.name])
