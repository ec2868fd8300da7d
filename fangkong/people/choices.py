from django.db import models
from django.utils.translation import gettext_lazy as _


class DocType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("Resident ID card")
    PASSPORT = "passport", _("Passport")
    HK_MACAO = "hk_macao", _("Mainland travel permit for HK/Macao residents")
    TAIWAN = "taiwan", _("Mainland travel permit for Taiwan residents")
    FOREIGN_PERMANENT = "foreign_permanent", _("Foreign permanent resident ID")
    OTHER = "other", _("Other")


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")
    UNKNOWN = "U", _("Unknown")


class PersonStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    MERGED = "merged", _("Merged into another record")


# A record merged into another stays merged (the other one lives on).
PERSON_TRANSITIONS: dict[str, frozenset[str]] = {
    PersonStatus.ACTIVE: frozenset({PersonStatus.MERGED}),
    PersonStatus.MERGED: frozenset(),
}


class DuplicateReason(models.TextChoices):
    """Why two records may be one person (the duplicates page, most certain first)."""

    SAME_ID = "same_id", _("Same document number")
    NAME_BIRTH = "name_birth", _("Same name and birth date")
    NAME_PHONE = "name_phone", _("Same name and phone")
