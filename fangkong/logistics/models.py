"""The models of supplies and freight passes (物资与通行证): the supply catalogue, stock
points and their stock and movements; freight passes, their crews and the checks made
at checkpoints."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import BaseModel
from fangkong.core.pii import BlindIndexField, EncryptedTextField
from fangkong.core.scoping import ScopedManager
from fangkong.logistics.choices import (
    ApplicantRole,
    GoodsClass,
    ItemCategory,
    MovementKind,
    PassStatus,
    StockPointKind,
    Verdict,
)


class SupplyItem(BaseModel):
    """An item of the supply catalogue (物资目录): N95 masks, protective suits..."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=60)
    category = models.CharField(_("category"), max_length=16, choices=ItemCategory.choices)
    unit = models.CharField(_("unit"), max_length=10)

    scope_field = None  # the catalogue holds no one's data

    class Meta:
        verbose_name = _("supply item (物资)")
        verbose_name_plural = _("supply items (物资)")
        ordering = ["category", "code"]

    def __str__(self) -> str:
        return self.name


class StockPoint(BaseModel):
    """A place that holds supplies: a site, a checkpoint, a team, a testing point."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=StockPointKind.choices)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    reorder_days = models.PositiveSmallIntegerField(
        _("reorder below days of stock (补货天数)"), default=3
    )

    objects = ScopedManager()
    scope_field = "area"

    class Meta:
        verbose_name = _("stock point (物资点)")
        verbose_name_plural = _("stock points (物资点)")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("logistics:point_detail", args=[self.pk])


class Stock(models.Model):
    """How much of one item a point holds; never negative (refused by the service, and by
    the database)."""

    point = models.ForeignKey(
        StockPoint, verbose_name=_("stock point"), on_delete=models.CASCADE, related_name="stock"
    )
    item = models.ForeignKey(
        SupplyItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.IntegerField(_("quantity"), default=0)
    alerted_at = models.DateTimeField(_("reorder alert sent at"), null=True, blank=True)

    objects = ScopedManager()
    scope_field = "point__area"

    class Meta:
        verbose_name = _("stock (库存)")
        verbose_name_plural = _("stock (库存)")
        constraints = [
            models.UniqueConstraint(fields=["point", "item"], name="uniq_stock_point_item"),
            models.CheckConstraint(condition=models.Q(quantity__gte=0), name="stock_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.point_id}:{self.item_id}={self.quantity}"


class StockMovement(BaseModel):
    """A receipt or a use of an item at a point, and the balance it left."""

    point = models.ForeignKey(
        StockPoint,
        verbose_name=_("stock point"),
        on_delete=models.CASCADE,
        related_name="movements",
    )
    item = models.ForeignKey(
        SupplyItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=MovementKind.choices)
    quantity = models.PositiveIntegerField(_("quantity"))
    balance = models.IntegerField(_("balance after"))
    at = models.DateTimeField(_("at"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ScopedManager()
    scope_field = "point__area"

    class Meta:
        verbose_name = _("stock movement (出入库)")
        verbose_name_plural = _("stock movements (出入库)")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["point", "item", "kind", "at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity}"


class FreightPass(BaseModel):
    """A freight pass (重点物资运输车辆通行证): one vehicle, one pass, one route."""

    number = models.CharField(_("pass number (通行证编号)"), max_length=12, unique=True)
    area = models.ForeignKey(  # the issuing county
        "areas.Area", verbose_name=_("issued by"), on_delete=models.PROTECT, related_name="+"
    )
    applicant_name = models.CharField(_("applicant (申请单位)"), max_length=100)
    applicant_role = models.CharField(_("applies as"), max_length=10, choices=ApplicantRole.choices)
    applicant_phone = EncryptedTextField(_("applicant phone"), kind="phone")
    goods_class = models.CharField(
        _("goods class (物资类别)"), max_length=12, choices=GoodsClass.choices
    )
    goods = models.CharField(_("goods (货物)"), max_length=100)
    plate = models.CharField(_("plate (车牌, 牵引车)"), max_length=10, db_index=True)
    trailer_plate = models.CharField(_("trailer plate (挂车)"), max_length=10, blank=True)
    origin = models.CharField(_("origin, to county level (起点)"), max_length=60)
    destination = models.CharField(_("destination, to county level (终点)"), max_length=60)
    route = models.CharField(_("route (路线)"), max_length=200, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    status = models.CharField(
        _("status"), max_length=10, choices=PassStatus.choices, default=PassStatus.APPLIED
    )
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    reason = models.CharField(_("reason (refused or revoked)"), max_length=200, blank=True)

    objects = ScopedManager()
    scope_field = "area"

    class Meta:
        verbose_name = _("freight pass (通行证)")
        verbose_name_plural = _("freight passes (通行证)")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "valid_to"])]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("logistics:pass_detail", args=[self.pk])


class CrewMember(models.Model):
    """A driver or escort of a pass, with the time of the last negative test (48 h)."""

    freight_pass = models.ForeignKey(
        FreightPass, verbose_name=_("pass"), on_delete=models.CASCADE, related_name="crew"
    )
    name = models.CharField(_("name"), max_length=60)
    id_number = EncryptedTextField(_("document number"), kind="id_number")
    id_number_index = BlindIndexField(source="id_number")
    phone = EncryptedTextField(_("phone"), kind="phone")
    tested_at = models.DateTimeField(_("sampled at (48 h test)"))

    objects = ScopedManager()
    scope_field = "freight_pass__area"

    class Meta:
        verbose_name = _("crew member (司乘人员)")
        verbose_name_plural = _("crew members (司乘人员)")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def id_number_masked(self) -> str:
        return self._meta.get_field("id_number").mask(self.id_number)  # type: ignore[union-attr]


class PassCheck(models.Model):
    """One scan of a pass at a checkpoint and what the fast lane showed."""

    at = models.DateTimeField(_("at"), db_index=True)
    number = models.CharField(_("number scanned"), max_length=40)
    freight_pass = models.ForeignKey(
        FreightPass,
        verbose_name=_("pass"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="checks",
    )
    verdict = models.CharField(_("verdict"), max_length=12, choices=Verdict.choices)
    area = models.ForeignKey(  # the checkpoint's area
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    checkpoint = models.CharField(_("checkpoint"), max_length=100, blank=True)
    shift = models.ForeignKey(  # the officer's open shift when checked at a checkpoint
        "checkpoints.Shift",
        verbose_name=_("shift"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pass_checks",
    )

    objects = ScopedManager()
    scope_field = "area"

    class Meta:
        verbose_name = _("pass check (查验记录)")
        verbose_name_plural = _("pass checks (查验记录)")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.number} {self.verdict}"
