"""Writes of the arrivals app: origins, the arrivals ledger and its hand-over, residents
away, risk designations on the grid."""

from fangkong.arrivals.services.arrivals import (
    ArrivalData,
    preregister,
    record_arrivals,
    register_arrival,
)
from fangkong.arrivals.services.away import AwayData, import_away, mark_returned, record_away
from fangkong.arrivals.services.handover import acknowledge, cancel_arrival
from fangkong.arrivals.services.origins import OriginData, end_origin, import_origins, save_origin
from fangkong.arrivals.services.riskareas import designate, lift

__all__ = [
    "ArrivalData",
    "AwayData",
    "OriginData",
    "acknowledge",
    "cancel_arrival",
    "designate",
    "end_origin",
    "import_away",
    "import_origins",
    "lift",
    "mark_returned",
    "preregister",
    "record_arrivals",
    "record_away",
    "register_arrival",
    "save_origin",
]
