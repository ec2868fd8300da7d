"""The grid: county → township/street → village/community → group/estate → building."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from fangkong.areas.choices import LEVEL_OF_KIND, AreaKind, ResponsibilityRole
from fangkong.core.models import BaseModel
from fangkong.core.pii import EncryptedTextField, masked
from fangkong.core.pinyin import pinyin_full, pinyin_initials
from fangkong.core.scoping import ScopedQuerySet, covered_areas_q, mark_visible

if TYPE_CHECKING:
    from fangkong.core.actors import MaybeActor

PATH_SEPARATOR = " › "


class AreaQuerySet(MP_NodeQuerySet):
    def visible_to(self, user: MaybeActor) -> AreaQuerySet:
        """The user's areas and everything below them (the one subtree rule)."""
        q = covered_areas_q(user)
        return mark_visible(self.none() if q is None else self.filter(q), user)


class AreaManager(MP_NodeManager.from_queryset(AreaQuerySet)):  # type: ignore[misc]
    def get_queryset(self) -> AreaQuerySet:
        return AreaQuerySet(self.model).order_by("path")

    def bulk_create(self, objs, *args, **kwargs):
        """Bulk inserts (imports, the synthetic county) get their pinyin like ``save``."""
        objs = list(objs)
        for obj in objs:
            obj.fill_pinyin()
        return super().bulk_create(objs, *args, **kwargs)


class Area(MP_Node):
    """A node of the administrative grid (materialised path: scoping is a prefix match).

    ``name_pinyin`` and ``name_initials`` follow ``name`` (set on every save and bulk
    insert) so the area picker finds ``四组`` by ``sizu`` or ``sz``."""

    steplen = 4
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    node_order_by = ["code"]

    code = models.CharField(_("code"), max_length=32, unique=True)  # type: ignore[var-annotated]
    name = models.CharField(_("name"), max_length=100)  # type: ignore[var-annotated]
    kind = models.CharField(_("kind"), max_length=16, choices=AreaKind.choices)  # type: ignore[var-annotated]
    name_pinyin = models.CharField(_("name in pinyin"), max_length=200, blank=True, editable=False)  # type: ignore[var-annotated]
    name_initials = models.CharField(  # type: ignore[var-annotated]
        _("pinyin initials"), max_length=30, blank=True, editable=False
    )
    # where it is (WGS-84), for transfers' travel times; the demo county places them
    lat = models.FloatField(_("latitude"), null=True, blank=True)  # type: ignore[var-annotated]
    lon = models.FloatField(_("longitude"), null=True, blank=True)  # type: ignore[var-annotated]

    objects = AreaManager()

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")

    def __str__(self) -> str:
        return self.name

    def fill_pinyin(self) -> None:
        self.name_pinyin = pinyin_full(self.name)
        self.name_initials = pinyin_initials(self.name)

    def save(self, *args, **kwargs):
        self.fill_pinyin()
        fields = kwargs.get("update_fields")
        if fields is not None and "name" in fields:
            kwargs["update_fields"] = {*fields, "name_pinyin", "name_initials"}
        return super().save(*args, **kwargs)

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

    @classmethod
    def label_paths(cls, areas: Iterable[Area | None]) -> None:
        """Give each area its ``path_label`` — ``钟多街道 › 桃花社区 › 四组``, the root (county)
        left out — in one query for the whole batch (a page of a list, search results)."""
        todo = [a for a in areas if a is not None and "_path_label" not in a.__dict__]
        wanted = {p for a in todo for p in a.ancestor_paths()[1:-1]}
        names = (
            dict(cls.objects.filter(path__in=wanted).values_list("path", "name")) if wanted else {}
        )
        for a in todo:
            parts = [names.get(p, "") for p in a.ancestor_paths()[1:-1]]
            a._path_label = PATH_SEPARATOR.join([*[p for p in parts if p], a.name])

    @property
    def path_label(self) -> str:
        """Where the area lies, from the township down (``label_paths`` sets it for a batch;
        alone it costs one query)."""
        if "_path_label" not in self.__dict__:
            Area.label_paths([self])
        return self.__dict__["_path_label"]

    def ancestor_paths(self) -> list[str]:
        """Paths of this node and every ancestor, the county first (no query)."""
        step = self.steplen
        return [self.path[: step * i] for i in range(1, len(self.path) // step + 1)]


def today() -> dt.date:
    return timezone.localdate()


class ResponsibilityQuerySet(ScopedQuerySet):
    def active(self, on: dt.date | None = None) -> ResponsibilityQuerySet:
        """Assignments in force on ``on`` (today in local time by default)."""
        on = on or today()
        return self.filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on), starts_on__lte=on)


class ResponsibilityManager(models.Manager.from_queryset(ResponsibilityQuerySet)):  # type: ignore[misc]
    pass


class Responsibility(BaseModel):
    """Someone who answers for an area (包保责任人, 网格员, 楼栋长, 楼层党员中心户).

    Active from ``starts_on`` until the day before ``ended_on``; the history stays."""

    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="responsibilities"
    )
    role = models.CharField(_("role"), max_length=24, choices=ResponsibilityRole.choices)
    person_name = models.CharField(_("name"), max_length=60)
    title = models.CharField(_("title"), max_length=60, blank=True)
    phone = EncryptedTextField(_("phone"), kind="phone")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="responsibilities",
    )
    floor = models.SmallIntegerField(_("floor"), null=True, blank=True)
    starts_on = models.DateField(_("starts on"), default=today)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)

    objects = ResponsibilityManager()
    scope_field = "area"

    class Meta:
        verbose_name = _("responsibility")
        verbose_name_plural = _("responsibilities")
        indexes = [models.Index(fields=["area", "ended_on"])]

    def __str__(self) -> str:
        return f"{self.area} · {self.get_role_display()} · {self.person_name}"

    @property
    def phone_masked(self) -> str:
        return masked(self, "phone")

    def is_active(self, on: dt.date | None = None) -> bool:
        on = on or today()
        return self.starts_on <= on and (self.ended_on is None or self.ended_on > on)
