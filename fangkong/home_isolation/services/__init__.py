"""Writes of home isolation. Every write is checked, atomic, audited and put on the person's
timeline. ``by`` is the user acting; ``by=None`` is the system (the nightly close) or the
resident through their personal link (the portal has checked the link)."""

from fangkong.home_isolation.services.alerts import door_event, handle_alert, send_reminders
from fangkong.home_isolation.services.closing import (
    adjust_home_phase,
    close_due_phases,
    resolve_review,
)
from fangkong.home_isolation.services.eligibility import (
    Answers,
    assess_household,
    cancel_placement,
    return_to_placement,
    take_for_placement,
)
from fangkong.home_isolation.services.portal import (
    issue_link,
    report_with_token,
    resolve,
    revoke_link,
    submit_report,
)
from fangkong.home_isolation.services.requests import (
    accept_request,
    cancel_request,
    close_request,
    create_request,
    deliver_request,
)
from fangkong.home_isolation.services.seals import fit_seal, remove_seal
from fangkong.home_isolation.services.tests import schedule_home_tests

__all__ = [
    "Answers",
    "accept_request",
    "adjust_home_phase",
    "assess_household",
    "cancel_placement",
    "cancel_request",
    "close_due_phases",
    "close_request",
    "create_request",
    "deliver_request",
    "door_event",
    "fit_seal",
    "handle_alert",
    "issue_link",
    "remove_seal",
    "report_with_token",
    "resolve",
    "return_to_placement",
    "resolve_review",
    "revoke_link",
    "schedule_home_tests",
    "send_reminders",
    "submit_report",
    "take_for_placement",
]
