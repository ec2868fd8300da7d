"""Kinds and states of essential workers, staff pools and rosters, and the machines'
allowed-transition tables."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LoopState(models.TextChoices):
    """Where a worker stands towards the closed loop (闭环管理)."""

    NOT_IN_LOOP = "not_in_loop", _("Not in a closed loop (非闭环)")
    IN_LOOP = "in_loop", _("In the closed loop (闭环中)")
    LEFT = "left", _("Left the loop, under monitoring (离岗监测)")


L = LoopState
LOOP_TRANSITIONS: dict[str, frozenset[str]] = {
    L.NOT_IN_LOOP: frozenset({L.IN_LOOP}),
    L.IN_LOOP: frozenset({L.LEFT}),
    # back into the loop after the monitoring (or on to an open post)
    L.LEFT: frozenset({L.IN_LOOP, L.NOT_IN_LOOP}),
}


class WorkPassVerdict(models.TextChoices):
    VALID = "valid", _("Valid (有效)")
    OVERDUE = "overdue", _("Test overdue (未按时检测)")
    NOT_NEGATIVE = "not_negative", _("No negative result (无阴性结果)")
    LEFT = "left", _("No longer on the whitelist (已离岗)")
    UNKNOWN = "unknown", _("Unknown pass (无此通行码)")


class PoolKind(models.TextChoices):
    SITE = "site", _("Isolation site (隔离场所)")
    CHECKPOINT = "checkpoint", _("Checkpoint (卡口)")
    TESTING_POINT = "testing_point", _("Testing point (采样点)")
    TRANSFER_TEAM = "transfer_team", _("Transfer team (转运专班)")
    OTHER = "other", _("Other")


class RosterStatus(models.TextChoices):
    DRAFT = "draft", _("Draft (草稿)")
    PUBLISHED = "published", _("Published (已发布)")
    SUPERSEDED = "superseded", _("Superseded (已被替代)")


RS = RosterStatus
ROSTER_TRANSITIONS: dict[str, frozenset[str]] = {
    RS.DRAFT: frozenset({RS.PUBLISHED, RS.SUPERSEDED}),
    RS.PUBLISHED: frozenset({RS.SUPERSEDED}),
    RS.SUPERSEDED: frozenset(),
}


class AbsenceKind(models.TextChoices):
    SICK = "sick", _("Sick (病假)")
    LEAVE = "leave", _("Leave (请假)")
    SWAP = "swap", _("Swapped away (换班)")
