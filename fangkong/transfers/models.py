"""Transfers (转运): requests to move persons in a closed loop, the fleet and its crews,
the planner's plans and the trips they are made of."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import BaseModel
from fangkong.core.pii import EncryptedTextField
from fangkong.core.scoping import ScopedManager
from fangkong.transfers.choices import (
    POSITIVE_KINDS,
    CrewRole,
    PlanStatus,
    Priority,
    RequestStatus,
    TransferKind,
    TripStatus,
    VehicleKind,
    VehicleState,
)


class Place(BaseModel):
    """A named place on the map within an area (a depot, a hospital)."""

    name = models.CharField(_("name"), max_length=100)
    area = models.ForeignKey("areas.Area", verbose_name=_("area"), on_delete=models.PROTECT)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)

    objects = ScopedManager()
    scope_field = "area"

    class Meta:
        abstract = True
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class Depot(Place):
    """A vehicle depot (车辆停放点) where trips begin and end."""

    class Meta(Place.Meta):
        verbose_name = _("depot (车辆停放点)")
        verbose_name_plural = _("depots (车辆停放点)")


class Hospital(Place):
    """A designated hospital (定点医院) that admits positives; it has no rooms here."""

    class Meta(Place.Meta):
        verbose_name = _("designated hospital (定点医院)")
        verbose_name_plural = _("designated hospitals (定点医院)")


class Vehicle(BaseModel):
    """A transfer vehicle (转运车辆); after every trip it is disinfected before its next."""

    plate = models.CharField(_("plate (车牌)"), max_length=16, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=VehicleKind.choices)
    seats = models.PositiveSmallIntegerField(_("passenger seats"))
    depot = models.ForeignKey(
        Depot, verbose_name=_("depot"), on_delete=models.PROTECT, related_name="vehicles"
    )
    state = models.CharField(
        _("state"), max_length=16, choices=VehicleState.choices, default=VehicleState.READY
    )
    state_changed_at = models.DateTimeField(_("state changed at"), null=True, blank=True)
    shift_hours = models.PositiveSmallIntegerField(_("shift length, hours"), default=10)

    objects = ScopedManager()
    scope_field = "depot__area"

    class Meta:
        verbose_name = _("vehicle (转运车辆)")
        verbose_name_plural = _("vehicles (转运车辆)")
        ordering = ["plate"]
        constraints = [
            models.CheckConstraint(condition=models.Q(seats__gte=1), name="vehicle_has_a_seat")
        ]

    def __str__(self) -> str:
        return self.plate

    @property
    def area(self):  # the timeline files vehicle events under the depot's area
        return self.depot.area


class CrewMember(BaseModel):
    """A driver or escort (司机/随车人员) on closed-loop duty, with the account they sign in
    with on the trip page."""

    name = models.CharField(_("name"), max_length=60)
    role = models.CharField(_("crew role"), max_length=8, choices=CrewRole.choices)
    phone = EncryptedTextField(_("phone"), kind="phone")
    depot = models.ForeignKey(
        Depot, verbose_name=_("depot"), on_delete=models.PROTECT, related_name="crew"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="crew_member",
    )
    closed_loop_since = models.DateField(_("on closed-loop duty since (闭环管理)"), null=True)
    on_duty = models.BooleanField(_("on duty"), default=True)

    objects = ScopedManager()
    scope_field = "depot__area"

    class Meta:
        verbose_name = _("crew member (转运人员)")
        verbose_name_plural = _("crew members (转运人员)")
        ordering = ["depot", "role", "name"]

    def __str__(self) -> str:
        return self.name


class Plan(BaseModel):
    """One planner run over the open requests of an area: its trips, who is left and why."""

    area = models.ForeignKey("areas.Area", verbose_name=_("area"), on_delete=models.PROTECT)
    status = models.CharField(
        _("status"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.RUNNING
    )
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    start_at = models.DateTimeField(_("plan starts at"))
    finished_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    # {"left": [{"request": id, "reason": code, "text": ...}], "violations": [...], ...}
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    replaces = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedManager()
    scope_field = "area"

    class Meta:
        verbose_name = _("transfer plan (转运计划)")
        verbose_name_plural = _("transfer plans (转运计划)")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"#{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("transfers:board", args=[self.pk])


class Trip(BaseModel):
    """One trip of one vehicle: from its start to its pick-ups and on to one destination."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="trips"
    )
    area = models.ForeignKey("areas.Area", verbose_name=_("area"), on_delete=models.PROTECT)
    vehicle = models.ForeignKey(
        Vehicle, verbose_name=_("vehicle"), on_delete=models.PROTECT, related_name="trips"
    )
    seq = models.PositiveSmallIntegerField(_("trip of the vehicle"), default=1)
    status = models.CharField(
        _("status"), max_length=12, choices=TripStatus.choices, default=TripStatus.PLANNED
    )
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    positive = models.BooleanField(_("carries positives"), default=False)
    site = models.ForeignKey(
        "sites.IsolationSite",
        verbose_name=_("site"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    hospital = models.ForeignKey(
        Hospital, verbose_name=_("hospital"), null=True, blank=True, on_delete=models.PROTECT
    )
    start_at = models.DateTimeField(_("planned start"))
    end_at = models.DateTimeField(_("planned arrival"))
    locked = models.BooleanField(_("locked (锁定)"), default=False)
    driver = models.ForeignKey(
        CrewMember,
        verbose_name=_("driver"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    departed_at = models.DateTimeField(_("departed at"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)

    objects = ScopedManager()
    scope_field = "area"

    class Meta:
        verbose_name = _("trip (车次)")
        verbose_name_plural = _("trips (车次)")
        ordering = ["plan", "vehicle", "seq"]

    def __str__(self) -> str:
        return f"{self.vehicle_id}/{self.seq}"

    def get_absolute_url(self) -> str:
        return reverse("transfers:trip", args=[self.pk])


class TransferRequest(BaseModel):
    """A request to move one person or one household (who travel together)."""

    area = models.ForeignKey("areas.Area", verbose_name=_("pick-up area"), on_delete=models.PROTECT)
    kind = models.CharField(_("kind"), max_length=16, choices=TransferKind.choices)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=12, choices=RequestStatus.choices, default=RequestStatus.REQUESTED
    )
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    deadline = models.DateTimeField(_("deadline (时限)"))
    pickup_address = models.CharField(_("pick-up address"), max_length=200, blank=True)
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    accessible = models.BooleanField(_("needs an accessible room (无障碍)"), default=False)
    # where it is going, set when a plan is accepted (release home: the site it leaves)
    site = models.ForeignKey(
        "sites.IsolationSite",
        verbose_name=_("site"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    room = models.ForeignKey(
        "sites.Room",
        verbose_name=_("reserved room"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    trip = models.ForeignKey(
        Trip,
        verbose_name=_("trip"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="requests",
    )
    source = models.CharField(_("requested by (来源)"), max_length=40, blank=True)
    source_ref = models.CharField(_("source reference"), max_length=60, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)

    objects = ScopedManager()
    scope_field = "area"

    class Meta:
        verbose_name = _("transfer request (转运申请)")
        verbose_name_plural = _("transfer requests (转运申请)")
        ordering = ["deadline", "pk"]
        indexes = [
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["kind", "status"]),
            models.Index(fields=["arrived_at"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("transfers:request_detail", args=[self.pk])

    @property
    def picks_up_at_site(self) -> bool:
        """A positive found in an isolation site is picked up there (``site``)."""
        return self.kind in POSITIVE_KINDS and self.site_id is not None

    @property
    def pickup_place(self) -> str:
        """Where the persons board, for the board and the trip page: the site, else the
        pick-up area (the address is ``pickup_address``)."""
        if self.picks_up_at_site and self.site is not None:
            return gettext("Isolation site %(site)s") % {"site": self.site.name}
        return self.area.name


class TransferPerson(models.Model):
    """One person of a request, ticked or scanned at pick-up."""

    request = models.ForeignKey(
        TransferRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="members"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    picked_up_at = models.DateTimeField(_("picked up at"), null=True, blank=True)

    objects = ScopedManager()
    scope_field = "request__area"

    class Meta:
        verbose_name = _("person transferred")
        verbose_name_plural = _("persons transferred")
        ordering = ["request", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["request", "person"], name="uniq_transfer_person")
        ]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.request_id}"


class Stop(models.Model):
    """A stop of a trip: the pick-up (or, going home, the drop-off) of one request, with
    the room the plan gives it."""

    trip = models.ForeignKey(
        Trip, verbose_name=_("trip"), on_delete=models.CASCADE, related_name="stops"
    )
    seq = models.PositiveSmallIntegerField(_("order"))
    request = models.ForeignKey(
        TransferRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="stops"
    )
    room = models.ForeignKey(
        "sites.Room",
        verbose_name=_("room"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    eta = models.DateTimeField(_("expected at"))
    persons = models.PositiveSmallIntegerField(_("persons"))

    objects = ScopedManager()
    scope_field = "trip__area"

    class Meta:
        verbose_name = _("stop (站点)")
        verbose_name_plural = _("stops (站点)")
        ordering = ["trip", "seq"]

    def __str__(self) -> str:
        return f"{self.trip_id}.{self.seq}"
