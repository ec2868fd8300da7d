"""Kinds and states of home isolation: eligibility, placement, door seals, service requests
and close reviews, with the allowed-transition tables of their machines."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Origin(models.TextChoices):
    """What leads to home isolation (and so to the eligibility check)."""

    RELEASE = "release", _("Release from a site (解除集中隔离)")
    ARRIVAL = "arrival", _("Arrival (来返人员)")
    RISK_AREA = "risk_area", _("Risk-area order (风险区管控)")
    CADRE = "cadre", _("Cadre's decision (干部决定)")


class Outcome(models.TextChoices):
    ELIGIBLE = "eligible", _("Eligible for home isolation (符合居家条件)")
    INELIGIBLE = "ineligible", _("Not eligible: centralized placement (不符合, 需集中安置)")


class Condition(models.TextChoices):
    """The home conditions a rule set can require (its ``home_isolation.conditions``)."""

    OWN_ROOM = "own_room", _("Lives alone or has a separate ventilated room (单独通风房间)")
    OWN_BATHROOM = "own_bathroom", _("Own bathroom (独立卫生间)")
    NO_SHARED_AC = (
        "no_shared_ac",
        _("No central air-conditioning shared with others (无共用中央空调)"),
    )
    NOT_DORMITORY = "not_dormitory", _("Not a collective dormitory (非集体宿舍)")
    CHILD_WITH_PARENT = (
        "child_with_parent",
        _("Children 14 and under stay with a parent (儿童由家长陪同)"),
    )
    DEPENDANT_WITH_CARER = (
        "dependant_with_carer",
        _("Dependants have a named carer (失能者有照护人)"),
    )
    CARER_FIT = "carer_fit", _("The carer is neither elderly nor ill (照护人非老弱病)")


class Effect(models.TextChoices):
    REFUSE = "refuse", _("Not met: centralized placement")
    NOTE = "note", _("Not met: noted, home isolation allowed")


class PlacementState(models.TextChoices):
    """A household's place on the "needs centralized placement" queue."""

    NOT_NEEDED = "not_needed", _("Not needed")
    AWAITING = "awaiting", _("Awaiting centralized placement (待集中安置)")
    TAKEN = "taken", _("Taken for transfer (已转运)")
    CANCELLED = "cancelled", _("Cancelled")


PS = PlacementState
PLACEMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    PS.NOT_NEEDED: frozenset(),
    PS.AWAITING: frozenset({PS.TAKEN, PS.CANCELLED}),
    # the transfer it was taken for was cancelled: the household still needs placing
    PS.TAKEN: frozenset({PS.AWAITING}),
    PS.CANCELLED: frozenset(),
}


class SealKind(models.TextChoices):
    SEAL = "seal", _("Paper seal (封条)")
    SENSOR = "sensor", _("Door sensor (门磁)")


class SealState(models.TextChoices):
    FITTED = "fitted", _("Fitted (已安装)")
    REMOVAL_DUE = "removal_due", _("To be removed (待拆除)")
    REMOVED = "removed", _("Removed (已拆除)")


SS = SealState
SEAL_TRANSITIONS: dict[str, frozenset[str]] = {
    SS.FITTED: frozenset({SS.REMOVAL_DUE, SS.REMOVED}),
    SS.REMOVAL_DUE: frozenset({SS.REMOVED}),
    SS.REMOVED: frozenset(),
}


class RequestKind(models.TextChoices):
    GROCERIES = "groceries", _("Groceries (生活物资)")
    MEDICINE = "medicine", _("Medicine (药品)")
    URGENT_MEDICINE = "urgent_medicine", _("Urgent medicine (急需药品)")
    MEDICAL_VISIT = "medical_visit", _("Medical visit (就医)")
    GARBAGE = "garbage", _("Garbage removal (垃圾清运)")
    OTHER = "other", _("Other (其他)")


class RequestState(models.TextChoices):
    NEW = "new", _("New (待受理)")
    ACCEPTED = "accepted", _("Accepted (已受理)")
    DELIVERED = "delivered", _("Delivered (已送达)")
    CLOSED = "closed", _("Closed (已办结)")
    CANCELLED = "cancelled", _("Cancelled (已取消)")


RS = RequestState
REQUEST_TRANSITIONS: dict[str, frozenset[str]] = {
    RS.NEW: frozenset({RS.ACCEPTED, RS.CANCELLED}),
    RS.ACCEPTED: frozenset({RS.DELIVERED, RS.CLOSED, RS.CANCELLED}),
    RS.DELIVERED: frozenset({RS.CLOSED}),
    RS.CLOSED: frozenset(),
    RS.CANCELLED: frozenset(),
}
OPEN_REQUEST_STATES = frozenset({RS.NEW, RS.ACCEPTED})


class AlertKind(models.TextChoices):
    FEVER = "fever", _("Fever (发热)")
    SYMPTOM = "symptom", _("Symptoms (症状)")
    DOOR = "door", _("Door opened (门磁报警)")


class Symptom(models.TextChoices):
    """The checklist of the health report."""

    COUGH = "cough", _("Cough (咳嗽)")
    SHORT_BREATH = "short_breath", _("Shortness of breath (气促)")
    SMELL_TASTE = "smell_taste", _("Loss of smell or taste (嗅觉味觉减退)")
    SORE_THROAT = "sore_throat", _("Sore throat (咽痛)")
    CHILLS = "chills", _("Chills (寒战)")
    FATIGUE = "fatigue", _("Fatigue (乏力)")
    MUSCLE_PAIN = "muscle_pain", _("Muscle pain (肌肉酸痛)")
    DIARRHOEA = "diarrhoea", _("Diarrhoea (腹泻)")


class Window(models.TextChoices):
    MORNING = "morning", _("Morning (上午)")
    EVENING = "evening", _("Evening (下午)")


class ReviewState(models.TextChoices):
    """A phase that did not close by itself at its planned end."""

    OPEN = "open", _("To review (待研判)")
    DONE = "done", _("Reviewed (已研判)")


RV = ReviewState
REVIEW_TRANSITIONS: dict[str, frozenset[str]] = {
    RV.OPEN: frozenset({RV.DONE}),
    RV.DONE: frozenset(),
}
