"""The cases and contacts API under /api/v1/cases: case candidates (阳性待核)."""

from __future__ import annotations

from typing import Any

from ninja import Router
from ninja.pagination import paginate

from fangkong.cases import selectors, services
from fangkong.cases.models import CaseCandidate
from fangkong.cases.schemas import CandidateOut, ConfirmIn, DismissIn
from fangkong.core.actors import AuthedRequest
from fangkong.core.api import ErrorOut, Page
from fangkong.core.permissions import require
from fangkong.core.scoping import get_visible_or_404

router = Router(tags=["cases and contacts"])
ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
DECIDE = services.candidates.DECIDE


# --- case candidates -------------------------------------------------------------------------
@router.get("/candidates", response=list[CandidateOut])
@paginate(Page)
def list_candidates(request: AuthedRequest) -> Any:
    """Case candidates in your areas, newest first."""
    require(request.user, "testing.result.view")
    return selectors.candidates_for(request.user).order_by("-pk")


def _candidate(request: AuthedRequest, pk: int) -> CaseCandidate:
    candidates = selectors.candidates_for(request.user)
    return get_visible_or_404(candidates, request.user, pk=pk, error_field="candidate_id")


@router.post("/candidates/{candidate_id}/confirm", response={200: CandidateOut, **ERRORS})
def candidate_confirm(request: AuthedRequest, candidate_id: int, data: ConfirmIn) -> Any:
    """Confirm as a case (409 when someone decided first)."""
    require(request.user, DECIDE)
    return services.confirm_candidate(
        _candidate(request, candidate_id), note=data.note, by=request.user
    )


@router.post("/candidates/{candidate_id}/dismiss", response={200: CandidateOut, **ERRORS})
def candidate_dismiss(request: AuthedRequest, candidate_id: int, data: DismissIn) -> Any:
    """Dismiss with the reason (409 when someone decided first)."""
    require(request.user, DECIDE)
    return services.dismiss_candidate(
        _candidate(request, candidate_id), reason=data.reason, by=request.user
    )
