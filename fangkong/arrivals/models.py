"""The models of arrivals and ledgers (来返人员): risk areas elsewhere (origins), the
arrivals ledger (来返人员台账), the residents-elsewhere ledger (在外人员台账) and the risk
areas designated on the county's own grid (风险区划定)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.arrivals.choices import (
    ArrivalSource,
    ArrivalStatus,
    AwayStatus,
    CodeColour,
    DesignationStatus,
    OriginRisk,
    RiskLevel,
    TestResult,
    TravelMode,
)
from fangkong.core.models import BaseModel, ImportJobBase, ImportRowErrorBase
from fangkong.core.pii import BlindIndexField, EncryptedTextField
from fangkong.core.scoping import ScopedManager
from fangkong.people.choices import DocType
from fangkong.people.models import ImportJobQuerySet


class OriginArea(BaseModel):
    """A risk area elsewhere (外地风险区): a province, city, county or street declared high
    or low risk from one date. An edit writes a new version and closes the old one
    (``superseded_at``), so what was in force on any day can be read back."""

    level = models.CharField(_("risk level"), max_length=8, choices=RiskLevel.choices)
    province = models.CharField(_("province (省)"), max_length=30)
    city = models.CharField(_("city (市)"), max_length=30, blank=True)
    county = models.CharField(_("county or district (区县)"), max_length=30, blank=True)
    street = models.CharField(_("street or town (街道/乡镇)"), max_length=60, blank=True)
    effective_from = models.DateField(_("in force from"))
    effective_to = models.DateField(_("in force until"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    superseded_at = models.DateTimeField(_("replaced at"), null=True, blank=True)
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="next_version"
    )

    scope_field = None  # a public list of places elsewhere: it holds no one's data

    class Meta:
        verbose_name = _("risk area elsewhere (外地风险区)")
        verbose_name_plural = _("risk areas elsewhere (外地风险区)")
        ordering = ["province", "city", "county", "street", "-version"]
        indexes = [models.Index(fields=["province", "city", "county"])]

    def __str__(self) -> str:
        return "".join(p for p in (self.province, self.city, self.county, self.street) if p)

    def get_absolute_url(self) -> str:
        return reverse("arrivals:origin_list")


class Arrival(BaseModel):
    """One entry of the arrivals ledger (来返人员台账): a person arriving or returning, where
    from, the origin's risk and the measure due, handed to the receiving village, which
    acknowledges it. One pending entry per document number (a second registration updates
    it)."""

    reference = models.CharField(_("reference number"), max_length=20, unique=True)
    source = models.CharField(_("source"), max_length=20, choices=ArrivalSource.choices)
    status = models.CharField(
        _("status"), max_length=14, choices=ArrivalStatus.choices, default=ArrivalStatus.PENDING
    )
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    name = models.CharField(_("name"), max_length=60)
    doc_type = models.CharField(
        _("document type"), max_length=20, choices=DocType.choices, default=DocType.RESIDENT_ID
    )
    id_number = EncryptedTextField(_("document number"), kind="id_number")
    id_number_index = BlindIndexField(source="id_number")
    phone = EncryptedTextField(_("phone"), kind="phone")
    origin_province = models.CharField(_("from province"), max_length=30)
    origin_city = models.CharField(_("from city"), max_length=30, blank=True)
    origin_county = models.CharField(_("from county"), max_length=30, blank=True)
    origin_street = models.CharField(_("from street"), max_length=60, blank=True)
    travelled = models.CharField(_("places travelled (途经)"), max_length=300, blank=True)
    origin_area = models.ForeignKey(
        OriginArea,
        verbose_name=_("risk area of origin"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="arrivals",
    )
    risk = models.CharField(
        _("origin risk"), max_length=6, choices=OriginRisk.choices, default=OriginRisk.NONE
    )
    measure = models.CharField(_("measure due (reason)"), max_length=40, blank=True)
    travel_mode = models.CharField(
        _("travel mode"), max_length=8, choices=TravelMode.choices, default=TravelMode.OTHER
    )
    travel_number = models.CharField(_("train or flight number"), max_length=20, blank=True)
    plate = models.CharField(_("plate (车牌)"), max_length=12, blank=True)
    arrival_date = models.DateField(_("arrival date"))
    address = models.CharField(_("address in the county"), max_length=200)
    area = models.ForeignKey(
        "areas.Area",
        verbose_name=_("receiving village"),
        on_delete=models.PROTECT,
        related_name="arrivals",
    )
    household = models.ForeignKey(
        "people.Household",
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="arrivals",
    )
    test_result = models.CharField(
        _("recent test"), max_length=16, choices=TestResult.choices, default=TestResult.NONE
    )
    code_colour = models.CharField(
        _("health code"), max_length=8, choices=CodeColour.choices, default=CodeColour.GREEN
    )
    ack_due_at = models.DateTimeField(_("acknowledge by"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    visited = models.BooleanField(_("visited (已上门)"), default=False)
    at_address = models.BooleanField(_("found at the address (人在址)"), default=False)
    episode = models.ForeignKey(
        "control.ControlEpisode",
        verbose_name=_("control episode"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    notes = models.CharField(_("notes"), max_length=300, blank=True)

    objects = ScopedManager()
    scope_field = "area"

    class Meta:
        verbose_name = _("arrival (来返人员)")
        verbose_name_plural = _("arrivals (来返人员)")
        ordering = ["-arrival_date", "-pk"]
        constraints = [
            # the same person registering twice updates the entry: one pending per number
            models.UniqueConstraint(
                fields=["id_number_index"],
                condition=models.Q(status=ArrivalStatus.PENDING),
                name="one_pending_arrival_per_id",
            )
        ]
        indexes = [
            models.Index(fields=["area", "status", "ack_due_at"]),
            models.Index(fields=["area", "arrival_date"]),
            # the county's ledger read newest first (ArrivalListView.walk_orders)
            models.Index(fields=["arrival_date", "id"]),
            models.Index(fields=["created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("arrivals:arrival_detail", args=[self.pk])

    @property
    def id_number_masked(self) -> str:
        return self._meta.get_field("id_number").mask(self.id_number)  # type: ignore[union-attr]

    @property
    def phone_masked(self) -> str:
        return self._meta.get_field("phone").mask(self.phone)  # type: ignore[union-attr]

    @property
    def origin(self) -> str:
        return "".join(
            p
            for p in (
                self.origin_province,
                self.origin_city,
                self.origin_county,
                self.origin_street,
            )
            if p
        )


class ResidentAway(BaseModel):
    """One entry of the residents-elsewhere ledger (在外人员台账): a resident of a village who
    is away, where, since when, and when expected back."""

    status = models.CharField(
        _("status"), max_length=10, choices=AwayStatus.choices, default=AwayStatus.AWAY
    )
    name = models.CharField(_("name"), max_length=60)
    doc_type = models.CharField(
        _("document type"), max_length=20, choices=DocType.choices, default=DocType.RESIDENT_ID
    )
    id_number = EncryptedTextField(_("document number"), kind="id_number")
    id_number_index = BlindIndexField(source="id_number")
    phone = EncryptedTextField(_("phone"), kind="phone")
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("home village"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    whereabouts_province = models.CharField(_("where: province"), max_length=30)
    whereabouts_city = models.CharField(_("where: city"), max_length=30, blank=True)
    whereabouts = models.CharField(_("where: address"), max_length=200, blank=True)
    away_since = models.DateField(_("away since"), null=True, blank=True)
    expected_return = models.DateField(_("expected return"), null=True, blank=True)
    arrival = models.ForeignKey(
        Arrival,
        verbose_name=_("expected arrival"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    notes = models.CharField(_("notes"), max_length=300, blank=True)

    objects = ScopedManager()
    scope_field = "area"

    class Meta:
        verbose_name = _("resident away (在外人员)")
        verbose_name_plural = _("residents away (在外人员)")
        ordering = ["area", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["id_number_index"], name="one_away_entry_per_id")
        ]
        indexes = [models.Index(fields=["area", "status"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("arrivals:away_list") + f"?q={self.pk}"

    @property
    def id_number_masked(self) -> str:
        return self._meta.get_field("id_number").mask(self.id_number)  # type: ignore[union-attr]


class RiskDesignation(BaseModel):
    """An area of the county's grid (building, estate, village, township) designated high
    or low risk (风险区) from a date, with the measures of the rule set; lifted by the
    command centre. Each designation is kept after it is lifted: the history."""

    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    level = models.CharField(_("risk level"), max_length=8, choices=RiskLevel.choices)
    starts_on = models.DateField(_("from"))
    measures = models.CharField(_("measures"), max_length=300)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DesignationStatus.choices,
        default=DesignationStatus.ACTIVE,
    )
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lift_reason = models.CharField(_("reason for lifting early"), max_length=300, blank=True)
    clean_days_at_lift = models.PositiveSmallIntegerField(
        _("clean days when lifted"), null=True, blank=True
    )

    objects = ScopedManager()
    scope_field = "area"

    class Meta:
        verbose_name = _("risk area designation (风险区划定)")
        verbose_name_plural = _("risk area designations (风险区划定)")
        ordering = ["status", "-starts_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["area"],
                condition=models.Q(status=DesignationStatus.ACTIVE),
                name="one_active_designation_per_area",
            )
        ]

    def __str__(self) -> str:
        return f"{self.area} {self.get_level_display()}"

    def get_absolute_url(self) -> str:
        return reverse("arrivals:designation_detail", args=[self.pk])


class LedgerImport(ImportJobBase):
    """A sheet of risk areas elsewhere or of residents away, imported in the background:
    every row checked first, nothing written unless all are good (each bad row named with
    its row and column)."""

    class Kind(models.TextChoices):
        ORIGINS = "origins", _("Risk areas elsewhere")
        AWAY = "away", _("Residents away")

    kind = models.CharField(_("ledger"), max_length=8, choices=Kind.choices)
    created_count = models.PositiveIntegerField(_("entries added or changed"), default=0)
    kept_count = models.PositiveIntegerField(_("entries updated or unchanged"), default=0)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger import")
        verbose_name_plural = _("ledger imports")
        ordering = ["-created_at", "-id"]

    def get_absolute_url(self) -> str:
        return reverse("arrivals:import_detail", args=[self.pk])


class LedgerImportRowError(ImportRowErrorBase):
    """One reason one row of a ledger import was refused: row number, column, reason."""

    job = models.ForeignKey(LedgerImport, on_delete=models.CASCADE, related_name="row_errors")

    class Meta(ImportRowErrorBase.Meta):
        verbose_name = _("ledger import row error")
        verbose_name_plural = _("ledger import row errors")
