"""Kinds and states of supplies and freight passes, and the pass machine's table."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ItemCategory(models.TextChoices):
    MASK = "mask", _("Masks (口罩)")
    SUIT = "suit", _("Protective suits (防护服)")
    DISINFECTANT = "disinfectant", _("Disinfectant (消毒剂)")
    TEST_KIT = "test_kit", _("Test kits (检测试剂)")
    DAILY = "daily", _("Daily supplies (生活物资)")
    OTHER = "other", _("Other")


class StockPointKind(models.TextChoices):
    SITE = "site", _("Isolation site (隔离场所)")
    CHECKPOINT = "checkpoint", _("Checkpoint (卡口)")
    TEAM = "team", _("Team (工作专班)")
    TESTING_POINT = "testing_point", _("Testing point (采样点)")
    WAREHOUSE = "warehouse", _("Warehouse (仓库)")


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt (入库)")
    USE = "use", _("Use (领用)")


class GoodsClass(models.TextChoices):
    MEDICAL = "medical", _("Medical supplies (医疗物资)")
    DAILY_NEEDS = "daily_needs", _("Daily needs (生活物资)")
    PRODUCTION = "production", _("Production inputs (生产物资)")
    OTHER = "other", _("Other goods (其他)")


class ApplicantRole(models.TextChoices):
    SHIPPER = "shipper", _("Shipper (发货方)")
    RECEIVER = "receiver", _("Receiver (收货方)")


class PassStatus(models.TextChoices):
    APPLIED = "applied", _("Applied (已申请)")
    APPROVED = "approved", _("Approved (已批准)")
    REFUSED = "refused", _("Refused (已驳回)")
    REVOKED = "revoked", _("Revoked (已撤销)")


P = PassStatus
PASS_TRANSITIONS: dict[str, frozenset[str]] = {
    P.APPLIED: frozenset({P.APPROVED, P.REFUSED}),
    P.APPROVED: frozenset({P.REVOKED}),
    P.REFUSED: frozenset(),
    P.REVOKED: frozenset(),
}


class Verdict(models.TextChoices):
    """What the checkpoint's fast lane shows for a scanned pass."""

    VALID = "valid", _("Valid (有效)")
    EXPIRED = "expired", _("Expired (已过期)")
    NOT_YET = "not_yet", _("Not yet valid (未生效)")
    REVOKED = "revoked", _("Revoked (已撤销)")
    NOT_APPROVED = "not_approved", _("Not approved (未批准)")
    UNKNOWN = "unknown", _("No such pass (无此通行证)")
