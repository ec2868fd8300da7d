"""Persons and households: what every other module points at."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import BaseModel, ImportJobBase, ImportRowErrorBase
from fangkong.core.pii import BlindIndexField, EncryptedTextField, masked
from fangkong.core.scoping import ScopedManager, mark_visible
from fangkong.people.choices import DocType, DuplicateReason, PersonStatus, Sex

if TYPE_CHECKING:
    from fangkong.core.actors import MaybeActor


class KeyCategory(BaseModel):
    """One of the key-person lists (12类重点人员); configurable."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    scope_field = None  # a list's definition holds no one's data; its members are scoped

    class Meta:
        verbose_name = _("key category")
        verbose_name_plural = _("key categories")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("people:category_detail", args=[self.pk])


class Household(BaseModel):
    """A household (户): an address in a group or building, and its members."""

    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="households"
    )
    address = models.CharField(_("address"), max_length=200)
    floor = models.SmallIntegerField(_("floor"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    objects = ScopedManager()
    scope_field = "area"

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        # the county's household list sorted by address reads this index in order
        indexes = [
            models.Index(fields=["address"], name="people_household_address"),
            # each area's first household by key (scoping.from_first_in_scope)
            models.Index(fields=["area", "id"], name="people_household_area_id"),
        ]

    def __str__(self) -> str:
        return self.address

    def get_absolute_url(self) -> str:
        return reverse("people:household_detail", args=[self.pk])


class Person(BaseModel):
    """A person (人员). ID number and phone are encrypted; find them by their blind index."""

    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="persons"
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    name = models.CharField(_("name"), max_length=60, db_index=True)
    name_initials = models.CharField(_("pinyin initials"), max_length=30, blank=True, db_index=True)
    doc_type = models.CharField(
        _("document type"), max_length=20, choices=DocType.choices, default=DocType.RESIDENT_ID
    )
    id_number = EncryptedTextField(_("document number"), kind="id_number")
    id_number_index = BlindIndexField(source="id_number")
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    phone = EncryptedTextField(_("phone"), kind="phone")
    phone_index = BlindIndexField(source="phone")
    categories = models.ManyToManyField(
        KeyCategory, verbose_name=_("key categories"), blank=True, related_name="persons"
    )
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PersonStatus.choices, default=PersonStatus.ACTIVE
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    left_control_at = models.DateTimeField(_("left control at"), null=True, blank=True)
    purged_at = models.DateTimeField(_("personal data purged at"), null=True, blank=True)
    # Counts the edits: an edit made on an older version than this (someone else saved in
    # between) is refused instead of overwriting theirs (services.update_person).
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    objects = ScopedManager()
    scope_field = "area"

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        indexes = [
            models.Index(fields=["area", "name"]),
            models.Index(fields=["area", "name_initials"]),
            models.Index(fields=["name", "birth_date"]),
            # a township's list counts its active persons from the index alone
            models.Index(fields=["area", "status"]),
            # each area's first person by key (scoping.from_first_in_scope)
            models.Index(fields=["area", "id"], name="people_person_area_id"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("people:person_detail", args=[self.pk])

    @property
    def id_number_masked(self) -> str:
        return masked(self, "id_number")

    @property
    def phone_masked(self) -> str:
        return masked(self, "phone")


class ImportJobQuerySet(models.QuerySet):
    def visible_to(self, user: MaybeActor) -> ImportJobQuerySet:
        """A user follows the imports they started, and no one else's."""
        if user is None or not user.is_authenticated or not user.is_active:
            return mark_visible(self.none(), user)
        return mark_visible(self.filter(created_by=user), user)


class ImportJob(ImportJobBase):
    """A spreadsheet of persons and households, imported in the background."""

    class Mode(models.TextChoices):
        ALL_OR_NOTHING = "all", _("All or nothing")
        GOOD_ROWS = "good", _("Good rows only")

    mode = models.CharField(_("mode"), max_length=4, choices=Mode.choices)
    created_count = models.PositiveIntegerField(_("persons created"), default=0)
    matched_count = models.PositiveIntegerField(_("matched to existing persons"), default=0)
    households_created = models.PositiveIntegerField(_("households created"), default=0)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ["-created_at", "-id"]

    def get_absolute_url(self) -> str:
        return reverse("people:import_detail", args=[self.pk])


class ImportRowError(ImportRowErrorBase):
    """One reason one row of an import was refused: row number, column, reason."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="row_errors")

    class Meta(ImportRowErrorBase.Meta):
        verbose_name = _("import row error")
        verbose_name_plural = _("import row errors")


class DuplicateCandidate(models.Model):
    """A person who shares a matching key with another active person: the rows the likely
    duplicates page reads (a short list), kept as persons are written
    (``people/duplicates.py``), rebuilt in full by a background rescan. The key is a blind
    index of the matched values, so the table holds no personal data of its own."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=12, choices=DuplicateReason.choices)
    key = models.CharField(_("matching key"), max_length=64)

    objects = ScopedManager()
    scope_field = "person__area"

    class Meta:
        verbose_name = _("duplicate candidate (疑似重复)")
        verbose_name_plural = _("duplicate candidates (疑似重复)")
        constraints = [
            models.UniqueConstraint(fields=["person", "reason"], name="uniq_candidate_reason")
        ]
        indexes = [models.Index(fields=["reason", "key"])]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.reason}"


class DuplicateScan(models.Model):
    """A full rescan of the registry for likely duplicates: one at a time."""

    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("started by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    # True while running, NULL after: unique, so a second scan cannot start beside it
    running = models.BooleanField(_("running"), null=True, default=True, unique=True)
    candidates = models.PositiveIntegerField(_("records in a group"), default=0)
    error = models.CharField(_("error"), max_length=300, blank=True)

    scope_field = None  # the scan's bookkeeping: no one's data

    class Meta:
        verbose_name = _("duplicates rescan")
        verbose_name_plural = _("duplicates rescans")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"rescan {self.started_at:%Y-%m-%d %H:%M}"


class NameFragment(models.Model):
    """A piece of an active person's name (every run of one to three characters, lower-cased)
    or of its pinyin initials (the first one to three letters, upper-cased), with the
    person's area: what the search box looks up (``people/fragments.py``), so that a name
    fragment or initials search reads an index scoped to the user's areas instead of
    scanning the registry. Kept as persons are written, like the duplicate candidates."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.CASCADE, related_name="+",
        db_index=False,
    )  # fmt: skip
    fragment = models.CharField(_("name fragment"), max_length=12)

    objects = ScopedManager()
    scope_field = "area"

    class Meta:
        verbose_name = _("name fragment (search index)")
        verbose_name_plural = _("name fragments (search index)")
        # the search: one fragment, within the user's areas, the persons (from the index)
        indexes = [models.Index(fields=["fragment", "area", "person"], name="namefrag_search")]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.fragment}"
