"""Isolation sites, their rooms, the stays of people in them, and room turnover steps."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import BaseModel
from fangkong.core.pii import EncryptedTextField, masked
from fangkong.core.scoping import ScopedManager
from fangkong.sites.choices import (
    DueFlag,
    RoomState,
    SiteKind,
    SiteStatus,
    StayStatus,
    TurnoverStepKind,
)


class IsolationSite(BaseModel):
    """An isolation site (隔离场所): a hotel, a panel-house camp, public housing..."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=SiteKind.choices)
    address = models.CharField(_("address"), max_length=200)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="sites"
    )
    manager_name = models.CharField(_("manager (负责人)"), max_length=60, blank=True)
    manager_phone = EncryptedTextField(_("manager phone"), kind="phone")
    contacts = models.TextField(_("other contacts (联系人)"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=SiteStatus.choices, default=SiteStatus.ACTIVE
    )
    ready_date = models.DateField(_("ready date (预计投用)"), null=True, blank=True)
    planned_beds = models.PositiveIntegerField(_("planned beds (规划床位)"), default=0)
    turnover_target_hours = models.PositiveSmallIntegerField(
        _("turnover target, hours (周转时限)"), default=4
    )
    notes = models.TextField(_("notes"), blank=True)
    # where it is (WGS-84): transfers plan routes to it and refuse a site without them
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)

    objects = ScopedManager()
    scope_field = "area"

    class Meta:
        verbose_name = _("isolation site (隔离场所)")
        verbose_name_plural = _("isolation sites (隔离场所)")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sites:site_detail", args=[self.pk])

    @property
    def manager_phone_masked(self) -> str:
        return masked(self, "manager_phone")


class Room(BaseModel):
    """A room (房间) of a site; its ``state`` moves only through ``ROOM_TRANSITIONS``."""

    site = models.ForeignKey(
        IsolationSite, verbose_name=_("site"), on_delete=models.PROTECT, related_name="rooms"
    )
    number = models.CharField(_("room number"), max_length=16)
    floor = models.SmallIntegerField(_("floor"), default=1)
    beds = models.PositiveSmallIntegerField(_("beds"), default=1)
    own_bathroom = models.BooleanField(_("own bathroom (独立卫浴)"), default=True)
    accessible = models.BooleanField(_("accessible (无障碍)"), default=False)
    state = models.CharField(
        _("state"), max_length=24, choices=RoomState.choices, default=RoomState.READY
    )
    state_changed_at = models.DateTimeField(_("state changed at"), null=True, blank=True)
    # Set when the last occupant leaves; cleared when the room passes inspection.
    vacated_at = models.DateTimeField(_("vacated at"), null=True, blank=True)
    last_step = models.CharField(
        _("last turnover step"), max_length=16, choices=TurnoverStepKind.choices, blank=True
    )
    notes = models.CharField(_("notes"), max_length=200, blank=True)

    objects = ScopedManager()
    scope_field = "site__area"

    class Meta:
        verbose_name = _("room (房间)")
        verbose_name_plural = _("rooms (房间)")
        ordering = ["site", "floor", "number"]
        constraints = [
            models.UniqueConstraint(fields=["site", "number"], name="uniq_site_room_number"),
            models.CheckConstraint(condition=models.Q(beds__gte=1), name="room_has_a_bed"),
        ]
        indexes = [models.Index(fields=["site", "state"])]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("sites:room_detail", args=[self.pk])

    @property
    def area(self):  # the timeline files room events under the site's area
        return self.site.area


class Stay(BaseModel):
    """A person's stay (入住) in one room. A move closes the stay and opens a new one."""

    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="stays"
    )
    room = models.ForeignKey(
        Room, verbose_name=_("room"), on_delete=models.PROTECT, related_name="stays"
    )
    site = models.ForeignKey(
        IsolationSite, verbose_name=_("site"), on_delete=models.PROTECT, related_name="stays"
    )
    household = models.ForeignKey(
        "people.Household",
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    phase = models.ForeignKey(
        "control.ControlPhase",
        verbose_name=_("centralized isolation phase"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stays",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=StayStatus.choices, default=StayStatus.OPEN
    )
    check_in_at = models.DateTimeField(_("checked in at"))
    check_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=40, blank=True)
    minor_unaccompanied = models.BooleanField(
        _("unaccompanied minor (无人陪护未成年人)"), default=False
    )
    elderly = models.BooleanField(_("elderly, 70 or over (高龄)"), default=False)
    moved_from = models.OneToOneField(
        "self",
        verbose_name=_("moved from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moved_to",
    )
    early_reason = models.CharField(_("reason for early release"), max_length=200, blank=True)
    due_flag = models.CharField(
        _("release due"), max_length=10, choices=DueFlag.choices, default=DueFlag.NONE, blank=True
    )
    due_flagged_at = models.DateTimeField(_("flagged at"), null=True, blank=True)
    overstay_reason = models.CharField(_("overstay reason (超期原因)"), max_length=300, blank=True)
    overstay_recorded_at = models.DateTimeField(
        _("overstay reason recorded at"), null=True, blank=True
    )
    overstay_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedManager()
    scope_field = "site__area"

    class Meta:
        verbose_name = _("stay (入住)")
        verbose_name_plural = _("stays (入住)")
        ordering = ["-check_in_at", "-pk"]
        constraints = [
            # One open stay per person, enforced by the database as well.
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(status=StayStatus.OPEN),
                name="one_open_stay_per_person",
            )
        ]
        indexes = [
            models.Index(fields=["site", "status"]),
            models.Index(fields=["room", "status"]),
            models.Index(fields=["check_in_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.room_id}"

    @property
    def is_open(self) -> bool:
        return self.status == StayStatus.OPEN


class TurnoverStep(models.Model):
    """One turnover step (消杀, 物资更换, 分类垃圾, 验收) done in a room, by whom and when."""

    room = models.ForeignKey(
        Room, verbose_name=_("room"), on_delete=models.CASCADE, related_name="turnover_steps"
    )
    site = models.ForeignKey(
        IsolationSite, verbose_name=_("site"), on_delete=models.CASCADE, related_name="+"
    )
    step = models.CharField(_("step"), max_length=16, choices=TurnoverStepKind.choices)
    at = models.DateTimeField(_("done at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    # When the room was vacated: the start of this turnover cycle.
    cycle_start = models.DateTimeField(_("vacated at"))
    # On the inspection step: seconds from vacated to ready.
    turnaround_seconds = models.PositiveIntegerField(
        _("turnaround, seconds"), null=True, blank=True
    )

    objects = ScopedManager()
    scope_field = "site__area"

    class Meta:
        verbose_name = _("turnover step (周转步骤)")
        verbose_name_plural = _("turnover steps (周转步骤)")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["site", "step", "at"])]

    def __str__(self) -> str:
        return f"{self.room_id} {self.step}"
