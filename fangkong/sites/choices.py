"""Kinds and states of isolation sites, rooms, stays and turnover steps, and the room
state machine's allowed-transition table."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SiteKind(models.TextChoices):
    HOTEL = "hotel", _("Hotel (酒店)")
    PANEL_CAMP = "panel_camp", _("Panel-house camp (板房)")
    PUBLIC_RENTAL = "public_rental", _("Public rental housing (公租房)")
    LOW_RENT = "low_rent", _("Low-rent housing (廉租房)")
    AFFORDABLE = "affordable", _("Affordable housing (保障房)")
    OTHER = "other", _("Other")


class SiteStatus(models.TextChoices):
    ACTIVE = "active", _("Active (在用)")
    RESERVE = "reserve", _("Reserve (备用)")
    BUILDING = "building", _("Being built or renovated (在建/改造)")
    CLOSED = "closed", _("Closed (关闭)")


# A site's status is the operator's to set: any status may follow any other.
SITE_TRANSITIONS: dict[str, frozenset[str]] = {
    s: frozenset(set(SiteStatus.values) - {s}) for s in SiteStatus.values
}


class RoomState(models.TextChoices):
    READY = "ready", _("Ready (可用)")
    RESERVED = "reserved", _("Reserved (预留)")
    OCCUPIED = "occupied", _("Occupied (在住)")
    AWAITING_DISINFECTION = "awaiting_disinfection", _("Awaiting disinfection (待消杀)")
    DISINFECTED = "disinfected", _("Disinfected (已消杀)")
    RESTOCKED = "restocked", _("Supplies replaced (已更换物资)")
    OUT_OF_SERVICE = "out_of_service", _("Out of service (停用)")


S = RoomState

# from state -> states it may move to. Everything else is an IllegalTransition.
ROOM_TRANSITIONS: dict[str, frozenset[str]] = {
    S.READY: frozenset({S.OCCUPIED, S.RESERVED, S.OUT_OF_SERVICE}),
    S.RESERVED: frozenset({S.READY, S.OCCUPIED, S.OUT_OF_SERVICE}),
    S.OCCUPIED: frozenset({S.AWAITING_DISINFECTION}),
    S.AWAITING_DISINFECTION: frozenset({S.DISINFECTED, S.OUT_OF_SERVICE}),
    S.DISINFECTED: frozenset({S.RESTOCKED, S.OUT_OF_SERVICE}),
    S.RESTOCKED: frozenset({S.READY, S.OUT_OF_SERVICE}),
    # Back to ready only if it was clean when taken out; a room taken out mid-turnover
    # goes back to awaiting disinfection and runs the turnover from the start.
    S.OUT_OF_SERVICE: frozenset({S.READY, S.AWAITING_DISINFECTION}),
}

# Rooms in these states are "in turnover" for capacity figures.
TURNOVER_STATES = frozenset({S.AWAITING_DISINFECTION, S.DISINFECTED, S.RESTOCKED})
# States an operator may set by hand (the rest follow check-in, release and turnover).
MANUAL_TARGETS = frozenset({S.READY, S.RESERVED, S.OUT_OF_SERVICE, S.AWAITING_DISINFECTION})


class TurnoverStepKind(models.TextChoices):
    DISINFECTION = "disinfection", _("Disinfection (消杀)")
    SUPPLIES = "supplies", _("Supplies replaced (物资更换)")
    WASTE = "waste", _("Sorted waste removed (分类垃圾)")
    INSPECTION = "inspection", _("Inspection (验收)")


T = TurnoverStepKind
TURNOVER_ORDER: tuple[str, ...] = (T.DISINFECTION, T.SUPPLIES, T.WASTE, T.INSPECTION)
# The room state each step leads to (None: the state stays).
STEP_RESULT: dict[str, str | None] = {
    T.DISINFECTION: S.DISINFECTED,
    T.SUPPLIES: S.RESTOCKED,
    T.WASTE: None,
    T.INSPECTION: S.READY,
}


class StayStatus(models.TextChoices):
    OPEN = "open", _("In the room (在住)")
    RELEASED = "released", _("Released (已解除)")
    MOVED = "moved", _("Moved to another room (已调房)")


STAY_TRANSITIONS: dict[str, frozenset[str]] = {
    StayStatus.OPEN: frozenset({StayStatus.RELEASED, StayStatus.MOVED}),
    StayStatus.RELEASED: frozenset(),
    StayStatus.MOVED: frozenset(),
}


class DueFlag(models.TextChoices):
    NONE = "", _("Not due")
    TOMORROW = "tomorrow", _("Due tomorrow")
    TODAY = "today", _("Due today")
    OVERDUE = "overdue", _("Past planned end")
