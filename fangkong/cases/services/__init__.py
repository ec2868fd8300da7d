"""Writes of cases and contacts (re-exported here for callers)."""

from fangkong.cases.services import candidates
from fangkong.cases.services.candidates import (
    confirm_candidate,
    dismiss_candidate,
    open_candidate,
)
from fangkong.cases.services.cases import (
    classify,
    record_handover,
    record_transfer,
    register_case,
    register_from_candidate,
)
from fangkong.cases.services.contacts import (
    ContactEntry,
    Registered,
    place_under_control,
    register_contact,
    register_contacts,
)

__all__ = [
    "ContactEntry",
    "Registered",
    "candidates",
    "classify",
    "confirm_candidate",
    "dismiss_candidate",
    "open_candidate",
    "place_under_control",
    "record_handover",
    "record_transfer",
    "register_case",
    "register_contact",
    "register_contacts",
    "register_from_candidate",
]
