"""Kinds and states of the arrivals app: origins' risk levels, how people travel, health
code colours, where an arrival entry came from, and the state tables of arrivals, residents
away and risk designations on the county's grid."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RiskLevel(models.TextChoices):
    HIGH = "high", _("High risk (高风险区)")
    LOW = "low", _("Low risk (低风险区)")


class OriginRisk(models.TextChoices):
    """The risk of the place an arrival comes from: a listed area's level, or none."""

    HIGH = "high", _("High risk (高风险区)")
    LOW = "low", _("Low risk (低风险区)")
    NONE = "none", _("Not a risk area")


class TravelMode(models.TextChoices):
    RAIL = "rail", _("Train (火车)")
    AIR = "air", _("Flight (飞机)")
    COACH = "coach", _("Coach (客车)")
    CAR = "car", _("Car (自驾)")
    FERRY = "ferry", _("Ferry (轮渡)")
    OTHER = "other", _("Other (其他)")


# travel modes that need a train or flight number, and the one that needs a plate
NUMBERED_MODES = frozenset({TravelMode.RAIL, TravelMode.AIR})
PLATE_MODES = frozenset({TravelMode.CAR})


class CodeColour(models.TextChoices):
    GREEN = "green", _("Green (绿码)")
    YELLOW = "yellow", _("Yellow (黄码)")
    RED = "red", _("Red (红码)")


class TestResult(models.TextChoices):
    NEGATIVE_48H = "negative_48h", _("Negative within 48 hours (48小时内阴性)")
    NEGATIVE_OLDER = "negative_older", _("Negative, older than 48 hours")
    NONE = "none", _("No recent test")


class ArrivalSource(models.TextChoices):
    PREREGISTRATION = "preregistration", _("Pre-registration (返乡报备)")
    CHECKPOINT = "checkpoint", _("Checkpoint (卡口)")
    IMPORT = "import", _("Import (导入)")
    CADRE = "cadre", _("Entered by a cadre (干部录入)")
    RESIDENT_RETURN = "resident_return", _("Expected return of a resident (在外人员返乡)")


class ArrivalStatus(models.TextChoices):
    PENDING = "pending", _("Handed over, to acknowledge (待接收)")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged by the village (已对接)")
    CANCELLED = "cancelled", _("Cancelled (已取消)")


ARRIVAL_TRANSITIONS: dict[str, frozenset[str]] = {
    ArrivalStatus.PENDING: frozenset({ArrivalStatus.ACKNOWLEDGED, ArrivalStatus.CANCELLED}),
    ArrivalStatus.ACKNOWLEDGED: frozenset(),
    ArrivalStatus.CANCELLED: frozenset(),
}


class AwayStatus(models.TextChoices):
    AWAY = "away", _("Away (在外)")
    RETURNING = "returning", _("Return expected (待返乡)")
    RETURNED = "returned", _("Returned (已返乡)")


AWAY_TRANSITIONS: dict[str, frozenset[str]] = {
    AwayStatus.AWAY: frozenset({AwayStatus.RETURNING, AwayStatus.RETURNED}),
    AwayStatus.RETURNING: frozenset({AwayStatus.AWAY, AwayStatus.RETURNED}),
    AwayStatus.RETURNED: frozenset({AwayStatus.AWAY}),
}


class DesignationStatus(models.TextChoices):
    ACTIVE = "active", _("In force (管控中)")
    LIFTED = "lifted", _("Lifted (已解封)")


DESIGNATION_TRANSITIONS: dict[str, frozenset[str]] = {
    DesignationStatus.ACTIVE: frozenset({DesignationStatus.LIFTED}),
    DesignationStatus.LIFTED: frozenset(),
}
