"""States and kinds of the testing pipeline, with their allowed transitions."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PointKind(models.TextChoices):
    FIXED = "fixed", _("Fixed (固定采样点)")
    TEMPORARY = "temporary", _("Temporary (临时采样点)")
    MOBILE = "mobile", _("Mobile (流动采样)")
    DOOR_TO_DOOR = "door_to_door", _("Door-to-door (上门采样)")
    CHECKPOINT = "checkpoint", _("Checkpoint (卡口快采)")


class TubeKind(models.TextChoices):
    SINGLE = "single", _("Single (单管单检)")
    POOLED = "pooled", _("Pooled (混管)")


class TubeState(models.TextChoices):
    OPEN = "open", pgettext_lazy("tube state", "Open")
    CLOSED = "closed", _("Closed")
    BOXED = "boxed", _("Boxed")
    IN_TRANSIT = "in_transit", _("In transit")
    RECEIVED = "received", _("Received at the lab")
    TESTED = "tested", _("Tested")
    REPORTED = "reported", _("Reported")


TS = TubeState
TUBE_TRANSITIONS: dict[str, frozenset[str]] = {
    TS.OPEN: frozenset({TS.CLOSED}),
    TS.CLOSED: frozenset({TS.BOXED, TS.RECEIVED}),
    TS.BOXED: frozenset({TS.CLOSED, TS.IN_TRANSIT, TS.RECEIVED}),
    TS.IN_TRANSIT: frozenset({TS.RECEIVED}),
    TS.RECEIVED: frozenset({TS.TESTED}),
    TS.TESTED: frozenset({TS.REPORTED}),
    TS.REPORTED: frozenset(),
}


class BoxState(models.TextChoices):
    PACKING = "packing", _("Packing")
    IN_TRANSIT = "in_transit", _("In transit")
    RECEIVED = "received", _("Received at the lab")


BOX_TRANSITIONS: dict[str, frozenset[str]] = {
    BoxState.PACKING: frozenset({BoxState.IN_TRANSIT, BoxState.RECEIVED}),
    BoxState.IN_TRANSIT: frozenset({BoxState.RECEIVED}),
    BoxState.RECEIVED: frozenset(),
}


class Outcome(models.TextChoices):
    NEGATIVE = "negative", _("Negative (阴性)")
    POSITIVE = "positive", _("Positive (阳性)")
    INVALID = "invalid", _("Invalid, resample (无效)")


# What a lab file may write in its outcome column, mapped to an outcome.
OUTCOME_ALIASES: dict[str, str] = {
    "negative": Outcome.NEGATIVE,
    "neg": Outcome.NEGATIVE,
    "阴性": Outcome.NEGATIVE,
    "-": Outcome.NEGATIVE,
    "positive": Outcome.POSITIVE,
    "pos": Outcome.POSITIVE,
    "阳性": Outcome.POSITIVE,
    "+": Outcome.POSITIVE,
    "invalid": Outcome.INVALID,
    "无效": Outcome.INVALID,
}


class RetestState(models.TextChoices):
    OPEN = "open", _("Waiting for door-to-door sampling")
    SAMPLED = "sampled", _("Sampled")
    CANCELLED = "cancelled", _("Cancelled")


RETEST_TRANSITIONS: dict[str, frozenset[str]] = {
    RetestState.OPEN: frozenset({RetestState.SAMPLED, RetestState.CANCELLED}),
    RetestState.SAMPLED: frozenset(),
    RetestState.CANCELLED: frozenset(),
}


class RetestReason(models.TextChoices):
    POOL_POSITIVE = "pool_positive", _("Pool positive: single-tube retest (混管阳性单采复核)")
    NOT_SAMPLED = "not_sampled", _("Not yet sampled in the round (漏采补采)")
    HOME_TEST = "home_test", _("Test day of home isolation (居家隔离上门采样)")


class NotificationState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


NOTIFICATION_TRANSITIONS: dict[str, frozenset[str]] = {
    NotificationState.QUEUED: frozenset({NotificationState.SENT, NotificationState.FAILED}),
    NotificationState.SENT: frozenset(),
    NotificationState.FAILED: frozenset(),
}


class RecipientKind(models.TextChoices):
    COMMAND = "command", _("Command centre (指挥部)")
    CHAIN = "chain", _("Responsible person (包保责任人)")


class Stage(models.TextChoices):
    """The legs of 采、送、检、报 a tube's time is measured over."""

    TRANSPORT = "transport", _("Sampled → received (送)")
    TEST = "test", _("Received → tested (检)")
    REPORT = "report", _("Tested → reported (报)")
    TOTAL = "total", _("Sampled → reported (total)")
