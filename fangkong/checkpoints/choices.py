"""Kinds of vehicles and the outcomes of a person's check at an entry checkpoint (卡口)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class VehicleKind(models.TextChoices):
    CAR = "car", _("Car (小客车)")
    COACH = "coach", _("Coach or bus (客车)")
    TRUCK = "truck", _("Truck (货车)")
    ARTICULATED = "articulated", _("Articulated truck (半挂车)")
    VAN = "van", _("Van (面包车)")
    MOTORCYCLE = "motorcycle", _("Motorcycle (摩托车)")
    OTHER = "other", _("Other (其他)")


class Outcome(models.TextChoices):
    """What the decision table (policy data) says about one person checked."""

    PASS = "pass", _("Pass (放行)")
    SAMPLE_AND_GO = "sample_and_go", _("Sample on the spot and go (即采即走)")
    HAND_OVER = "hand_over", _("Hand over to the receiving village (移交属地)")
    TURN_BACK = "turn_back", _("Turned back (劝返)")
    CONTROL_IN_PLACE = "control_in_place", _("Driver controlled in place (司机闭环管控)")
