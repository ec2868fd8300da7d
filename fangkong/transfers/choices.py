"""Kinds and states of transfer requests, vehicles, plans and trips, with the transition
tables their machines are declared from (``states.py``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TransferKind(models.TextChoices):
    CLOSE_CONTACT = "close_contact", _("Close contact to centralized isolation (密接转运)")
    HOME_INELIGIBLE = "home_ineligible", _("Home not eligible: to centralized isolation")
    POSITIVE = "positive", _("Positive to the designated hospital (阳性转运)")
    RELEASE_HOME = "release_home", _("Release home in a closed loop (解除闭环送返)")


# Kinds whose persons go into an isolation room (the planner reserves one).
TO_ROOM_KINDS = frozenset({TransferKind.CLOSE_CONTACT, TransferKind.HOME_INELIGIBLE})
# Kinds whose persons are (possibly) infectious positives: never with the others.
POSITIVE_KINDS = frozenset({TransferKind.POSITIVE})


class Priority(models.IntegerChoices):
    URGENT = 1, _("Urgent")
    HIGH = 2, _("High")
    NORMAL = 3, _("Normal")


class RequestStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested (待安排)")
    PLANNED = "planned", _("Planned (已安排)")
    DISPATCHED = "dispatched", _("Dispatched (已派车)")
    PICKED_UP = "picked_up", _("Picked up (已接到)")
    ARRIVED = "arrived", _("Arrived, handed over (已送达交接)")
    CANCELLED = "cancelled", _("Cancelled (已取消)")


Q = RequestStatus
REQUEST_TRANSITIONS: dict[str, frozenset[str]] = {
    Q.REQUESTED: frozenset({Q.PLANNED, Q.CANCELLED}),
    # a plan may be dropped (re-plan) before its trip leaves
    Q.PLANNED: frozenset({Q.REQUESTED, Q.DISPATCHED, Q.CANCELLED}),
    Q.DISPATCHED: frozenset({Q.PICKED_UP, Q.REQUESTED, Q.CANCELLED}),
    Q.PICKED_UP: frozenset({Q.ARRIVED}),
    Q.ARRIVED: frozenset(),
    Q.CANCELLED: frozenset(),
}
OPEN_REQUEST_STATES = frozenset({Q.REQUESTED, Q.PLANNED, Q.DISPATCHED, Q.PICKED_UP})


class VehicleKind(models.TextChoices):
    AMBULANCE = "ambulance", _("Negative-pressure ambulance (负压救护车)")
    BUS = "bus", _("Bus (大巴)")
    VAN = "van", _("Van (面包车)")


class VehicleState(models.TextChoices):
    READY = "ready", _("Ready (待命)")
    ON_TRIP = "on_trip", _("On a trip (转运中)")
    DISINFECTING = "disinfecting", _("Being disinfected (消杀中)")
    OUT_OF_SERVICE = "out_of_service", _("Out of service (停用)")


V = VehicleState
# After every trip the vehicle is disinfected before its next: on_trip leads only there.
VEHICLE_TRANSITIONS: dict[str, frozenset[str]] = {
    V.READY: frozenset({V.ON_TRIP, V.OUT_OF_SERVICE}),
    V.ON_TRIP: frozenset({V.DISINFECTING}),
    V.DISINFECTING: frozenset({V.READY, V.OUT_OF_SERVICE}),
    V.OUT_OF_SERVICE: frozenset({V.DISINFECTING}),
}


class CrewRole(models.TextChoices):
    DRIVER = "driver", _("Driver (司机)")
    ESCORT = "escort", _("Escort (随车人员)")


class PlanStatus(models.TextChoices):
    RUNNING = "running", _("Being planned (计算中)")
    PROPOSED = "proposed", _("Proposed (待确认)")
    ACCEPTED = "accepted", _("Accepted (已确认)")
    SUPERSEDED = "superseded", _("Superseded (已作废)")
    FAILED = "failed", _("Failed (失败)")


P = PlanStatus
PLAN_TRANSITIONS: dict[str, frozenset[str]] = {
    P.RUNNING: frozenset({P.PROPOSED, P.FAILED}),
    P.PROPOSED: frozenset({P.ACCEPTED, P.SUPERSEDED}),
    P.ACCEPTED: frozenset({P.SUPERSEDED}),
    P.SUPERSEDED: frozenset(),
    P.FAILED: frozenset(),
}


class TripStatus(models.TextChoices):
    PLANNED = "planned", _("Planned (计划)")
    DISPATCHED = "dispatched", _("Dispatched (已出车)")
    DONE = "done", _("Done (已完成)")
    CANCELLED = "cancelled", _("Cancelled (已取消)")


T = TripStatus
TRIP_TRANSITIONS: dict[str, frozenset[str]] = {
    T.PLANNED: frozenset({T.DISPATCHED, T.CANCELLED}),
    T.DISPATCHED: frozenset({T.DONE}),
    T.DONE: frozenset(),
    T.CANCELLED: frozenset(),
}
