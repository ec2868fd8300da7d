"""Testing API, follow-up: retests, case candidates, turnaround, a person's results."""

from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from fangkong.core.actors import AuthedRequest
from fangkong.core.api import Page, filter_list
from fangkong.core.permissions import require
from fangkong.core.scoping import get_visible_or_404
from fangkong.people.models import Person
from fangkong.testing import selectors, services
from fangkong.testing.api._lookups import ERRORS
from fangkong.testing.api.schemas import (
    CandidateOut,
    ConfirmIn,
    DismissIn,
    PersonResultOut,
    RetestCancelIn,
    RetestOut,
    RetestSampleIn,
    TubeOut,
    TurnaroundOut,
)
from fangkong.testing.choices import RetestState
from fangkong.testing.filters import RetestFilter, TubeFilter

router = Router(tags=["testing"])


# --- follow-up, turnaround, personal results -------------------------------------------------
@router.get("/retests", response=list[RetestOut])
@paginate(Page)
def list_retests(
    request, state: str = RetestState.OPEN, reason: str = "", round: int | None = None,
    area: int | None = None,
):  # fmt: skip
    """Door-to-door tasks in your areas (open ones by default), in the order a team walks
    them; ``reason``, ``round`` and ``area`` (a village) narrow the list."""
    require(request.user, "testing.retest.view")
    qs = selectors.retests_for(request.user).select_related("retest_tube")
    if state:
        qs = qs.filter(state=state)
    # a round or area outside yours is no choice either (422 naming the field)
    wanted = {"reason": reason, "round": round, "area": area}
    return filter_list(request, RetestFilter, wanted, queryset=qs).order_by(*selectors.WALK_ORDER)


def _retest(request: AuthedRequest, pk: int):
    tasks = selectors.retests_for(request.user)
    return get_visible_or_404(tasks, request.user, pk=pk, error_field="task_id")


@router.post("/retests/{task_id}/sample", response={200: RetestOut, **ERRORS})
def retest_sample(request: AuthedRequest, task_id: int, data: RetestSampleIn):
    """Record the single tube taken at the person's door: a new tube barcode (a used one
    answers 409 naming ``tube``); a task already done or cancelled answers 409."""
    require(request.user, "testing.sample")
    task = _retest(request, task_id)
    point = None
    if data.point_id is not None:
        point = get_visible_or_404(
            selectors.sampling_points_for(request.user), request.user, pk=data.point_id,
            error_field="point_id",
        )  # fmt: skip
    return services.record_retest_sample(task, tube_barcode=data.tube, point=point, by=request.user)


@router.post("/retests/{task_id}/cancel", response={200: RetestOut, **ERRORS})
def retest_cancel(request: AuthedRequest, task_id: int, data: RetestCancelIn):
    require(request.user, "testing.manage")
    return services.cancel_retest(_retest(request, task_id), reason_text=data.reason,
                                  by=request.user)  # fmt: skip


@router.get("/case-candidates", response=list[CandidateOut])
@paginate(Page)
def list_candidates(request):
    require(request.user, "testing.result.view")
    return selectors.candidates_for(request.user).order_by("-pk")


def _candidate(request, pk: int):
    candidates = selectors.candidates_for(request.user)
    return get_visible_or_404(candidates, request.user, pk=pk, error_field="candidate_id")


@router.post("/case-candidates/{candidate_id}/confirm", response={200: CandidateOut, **ERRORS})
def candidate_confirm(request, candidate_id: int, data: ConfirmIn):
    """Confirm as a case (409 when someone decided first)."""
    require(request.user, "testing.candidate.decide")
    return services.confirm_candidate(_candidate(request, candidate_id), note=data.note,
                                      by=request.user)  # fmt: skip


@router.post("/case-candidates/{candidate_id}/dismiss", response={200: CandidateOut, **ERRORS})
def candidate_dismiss(request, candidate_id: int, data: DismissIn):
    """Dismiss with the reason (409 when someone decided first)."""
    require(request.user, "testing.candidate.decide")
    return services.dismiss_candidate(_candidate(request, candidate_id), reason=data.reason,
                                      by=request.user)  # fmt: skip


class TurnaroundQuery(Schema):
    group: str = Field("point", pattern="^(point|lab|round)$")
    round_id: int | None = None


@router.get("/turnaround", response={200: list[TurnaroundOut], **ERRORS})
def get_turnaround(request: AuthedRequest, q: Query[TurnaroundQuery]):
    require(request.user, "testing.view")
    tubes = filter_list(
        request, TubeFilter, {"round_id": q.round_id}, queryset=selectors.tubes_for(request.user)
    )
    return selectors.turnaround(tubes, group=q.group)


@router.get("/overdue", response=list[TubeOut])
@paginate(Page)
def get_overdue(
    request: AuthedRequest, stage: str = Query("receipt", pattern="^(receipt|test|report)$")
):  # noqa: B008
    require(request.user, "testing.view")
    return selectors.overdue(selectors.tubes_for(request.user), stage)


@router.get("/persons/{person_id}/results", response={200: list[PersonResultOut], **ERRORS})
def person_results(request: AuthedRequest, person_id: int):
    """A person's swabs and released results (positive pools show as awaiting retest)."""
    require(request.user, "testing.result.view")
    person = get_visible_or_404(Person, request.user, pk=person_id, error_field="person_id")
    return selectors.results_for_person(person)
