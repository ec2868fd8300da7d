"""Reads of cases and contacts: scoped lists, the case candidates' board, the work queue."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from fangkong.cases.choices import CandidateState
from fangkong.cases.models import CaseCandidate
from fangkong.core.workqueue import Work, per_township
from fangkong.testing.selectors import follow_up_hours, oldest_work

RECENT_DECISIONS = 50


# --- case candidates (阳性待核) ----------------------------------------------------------------
def candidates_for(user: Any) -> QuerySet[CaseCandidate]:
    return CaseCandidate.objects.visible_to(user).select_related("person", "household", "tube")


def candidate_board(user: Any) -> tuple[QuerySet[CaseCandidate], QuerySet[CaseCandidate]]:
    """Case candidates in the user's areas: the open ones, oldest first (the longest
    waiting), and the most recent decisions."""
    qs = candidates_for(user).select_related("area", "tube__result", "decided_by")
    open_ = qs.filter(state=CandidateState.OPEN).order_by("created_at", "pk")
    decided = qs.exclude(state=CandidateState.OPEN).order_by("-decided_at", "-pk")
    return open_, decided[:RECENT_DECISIONS]


def open_candidate_person_ids(person_ids: list[int]) -> set[int]:
    """Those of these persons with a case candidate still open."""
    return set(
        CaseCandidate.objects.filter(
            person_id__in=person_ids, state=CandidateState.OPEN
        ).values_list("person_id", flat=True)
    )


def _open_candidates(user: Any, now: dt.datetime) -> QuerySet[CaseCandidate]:
    return CaseCandidate.objects.visible_to(user).filter(state=CandidateState.OPEN)


def candidates_work(user: Any, now: dt.datetime) -> Work:
    """Case candidates to confirm or dismiss; due two hours after the oldest."""
    qs = _open_candidates(user, now)
    return oldest_work(qs, follow_up_hours()["candidate"], reverse("cases:candidates"))


def candidates_by_township(user: Any, now: dt.datetime) -> dict[str, int]:
    return per_township(_open_candidates(user, now), "area__path")
