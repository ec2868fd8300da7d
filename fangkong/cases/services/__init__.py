"""Writes of cases and contacts (re-exported here for callers)."""

from fangkong.cases.services.candidates import (
    confirm_candidate,
    dismiss_candidate,
    open_candidate,
)

__all__ = [
    "confirm_candidate",
    "dismiss_candidate",
    "open_candidate",
]
