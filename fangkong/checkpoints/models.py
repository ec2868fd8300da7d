"""The models of entry checkpoints (卡口): checkpoints and the staff on shift, vehicles
checked (逢车必查) and every person in them (逢人必验) with the outcome."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.arrivals.choices import CodeColour, OriginRisk
from fangkong.checkpoints.choices import Outcome, VehicleKind
from fangkong.core.models import BaseModel
from fangkong.core.pii import BlindIndexField, EncryptedTextField
from fangkong.core.scoping import ScopedManager
from fangkong.people.choices import DocType


class Checkpoint(BaseModel):
    """An entry checkpoint (卡口/查验点) of the county."""

    name = models.CharField(_("name"), max_length=100)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    location = models.CharField(_("location (位置)"), max_length=200)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    active = models.BooleanField(_("open"), default=True)

    objects = ScopedManager()
    scope_field = "area"

    class Meta:
        verbose_name = _("checkpoint (卡口)")
        verbose_name_plural = _("checkpoints (卡口)")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("checkpoints:checkpoint_detail", args=[self.pk])


class Shift(BaseModel):
    """A member of staff on shift (在岗) at a checkpoint: from when, until when."""

    checkpoint = models.ForeignKey(
        Checkpoint, verbose_name=_("checkpoint"), on_delete=models.CASCADE, related_name="shifts"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"), null=True, blank=True)

    objects = ScopedManager()
    scope_field = "checkpoint__area"

    class Meta:
        verbose_name = _("shift (班次)")
        verbose_name_plural = _("shifts (班次)")
        ordering = ["-starts_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(ends_at__isnull=True), name="one_open_shift"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.checkpoint_id}"


class VehicleCheck(models.Model):
    """One vehicle checked (车辆查验). ``client_uuid`` is the phone's id for the entry, so a
    batch sent twice records it once."""

    checkpoint = models.ForeignKey(
        Checkpoint, verbose_name=_("checkpoint"), on_delete=models.PROTECT, related_name="vehicles"
    )
    client_uuid = models.UUIDField(_("device entry id"), unique=True)
    checked_at = models.DateTimeField(_("checked at"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    plate = models.CharField(_("plate (车牌)"), max_length=12)
    tractor_plate = models.CharField(_("tractor plate (车头牌)"), max_length=12, blank=True)
    kind = models.CharField(_("vehicle kind"), max_length=12, choices=VehicleKind.choices)
    freight = models.BooleanField(_("freight (货运)"), default=False)
    persons = models.PositiveSmallIntegerField(_("persons"), default=0)

    objects = ScopedManager()
    scope_field = "checkpoint__area"

    class Meta:
        verbose_name = _("vehicle checked (车辆查验)")
        verbose_name_plural = _("vehicles checked (车辆查验)")
        ordering = ["-checked_at", "-pk"]
        indexes = [models.Index(fields=["checkpoint", "checked_at"])]

    def __str__(self) -> str:
        return self.tractor_plate or self.plate


class PersonCheck(models.Model):
    """One person checked (人员查验) in a vehicle, with the outcome of the decision table."""

    vehicle = models.ForeignKey(
        VehicleCheck, verbose_name=_("vehicle"), on_delete=models.CASCADE, related_name="checks"
    )
    checkpoint = models.ForeignKey(
        Checkpoint, verbose_name=_("checkpoint"), on_delete=models.PROTECT, related_name="+"
    )
    client_uuid = models.UUIDField(_("device entry id"), unique=True)
    checked_at = models.DateTimeField(_("checked at"))
    name = models.CharField(_("name"), max_length=60)
    doc_type = models.CharField(
        _("document type"), max_length=20, choices=DocType.choices, default=DocType.RESIDENT_ID
    )
    id_number = EncryptedTextField(_("document number"), kind="id_number")
    id_number_index = BlindIndexField(source="id_number")
    phone = EncryptedTextField(_("phone"), kind="phone")
    driver = models.BooleanField(_("driver (司机)"), default=False)
    origin = models.CharField(_("from"), max_length=150)
    risk = models.CharField(
        _("origin risk"), max_length=6, choices=OriginRisk.choices, default=OriginRisk.NONE
    )
    code_colour = models.CharField(_("health code"), max_length=8, choices=CodeColour.choices)
    test_48h = models.BooleanField(_("negative test within 48 h"), default=False)
    itinerary_star = models.BooleanField(_("itinerary card starred (行程卡带星)"), default=False)
    temperature = models.DecimalField(_("temperature (°C)"), max_digits=3, decimal_places=1)
    destination = models.ForeignKey(
        "areas.Area",
        verbose_name=_("destination in the county"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    rule = models.CharField(_("decision rule"), max_length=40, blank=True)
    arrival = models.ForeignKey(
        "arrivals.Arrival",
        verbose_name=_("arrival"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ScopedManager()
    scope_field = "checkpoint__area"

    class Meta:
        verbose_name = _("person checked (人员查验)")
        verbose_name_plural = _("persons checked (人员查验)")
        ordering = ["-checked_at", "-pk"]
        indexes = [models.Index(fields=["checkpoint", "checked_at", "outcome"])]

    def __str__(self) -> str:
        return self.name

    @property
    def id_number_masked(self) -> str:
        return self._meta.get_field("id_number").mask(self.id_number)  # type: ignore[union-attr]
