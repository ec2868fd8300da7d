import datetime as dt

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from fangkong.control import selectors, services
from fangkong.control.filters import EpisodeFilter
from fangkong.control.models import ControlEpisode, ControlPhase
from fangkong.core.actors import AuthedRequest
from fangkong.core.api import ErrorOut, Page, StrictSchema, filter_list
from fangkong.core.errors import DomainError
from fangkong.core.permissions import require
from fangkong.core.scoping import get_visible_or_404
from fangkong.people.selectors import persons_for
from fangkong.policy.choices import PhaseKind, Reason

router = Router(tags=["control"])
ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class PhaseOut(Schema):
    id: int
    order: int
    kind: str
    status: str
    start_date: dt.date
    planned_end_date: dt.date
    actual_end_date: dt.date | None
    test_days: list[dt.date]
    end_reason: str
    day: int = Field(..., description="day N (today, Asia/Shanghai) of the phase")
    of_days: int = Field(..., description="M: the phase's planned days")

    @staticmethod
    def resolve_test_days(obj: ControlPhase) -> list[dt.date]:
        return obj.test_dates

    @staticmethod
    def resolve_day(obj: ControlPhase) -> int:
        return selectors.day_of(obj)[0]

    @staticmethod
    def resolve_of_days(obj: ControlPhase) -> int:
        return obj.planned_days


class EpisodeOut(Schema):
    id: int
    person_id: int
    person_name: str = Field(..., alias="person.name")
    reason: str
    status: str
    start_date: dt.date
    end_date: dt.date | None
    planned_end_date: dt.date | None
    area_id: int
    rule_set_code: str
    cancel_reason: str
    current_phase_id: int | None = None
    phases: list[PhaseOut]

    @staticmethod
    def resolve_phases(obj: ControlEpisode) -> list[ControlPhase]:
        return list(obj.phases.all())

    @staticmethod
    def resolve_current_phase_id(obj: ControlEpisode) -> int | None:
        phase = obj.current_phase
        return phase.pk if phase else None


class EpisodeDetailOut(EpisodeOut):
    rule_snapshot: dict


class EpisodeQuery(Schema):
    reason: Reason | None = None
    status: str | None = Field(None, description="active, completed or cancelled")
    kind: PhaseKind | None = Field(None, description="kind of the phase in progress")
    area: int | None = Field(None, description="only this area and below")
    due: str | None = Field(None, description="today (incl. overdue), tomorrow or overdue")


@router.get("/episodes", response={200: list[EpisodeOut], 422: ErrorOut}, summary="Episodes")
@paginate(Page)
def list_episodes(request: AuthedRequest, filters: Query[EpisodeQuery]):
    require(request.user, "episode.view")
    episodes = selectors.episodes_for(request.user)
    qs = filter_list(request, EpisodeFilter, filters, queryset=episodes)
    return qs.distinct().order_by("-start_date", "-pk")


def _episode(request: AuthedRequest, episode_id: int) -> ControlEpisode:
    return get_visible_or_404(selectors.episodes_for(request.user), request.user, pk=episode_id)


def _phase(request: AuthedRequest, phase_id: int) -> ControlPhase:
    return get_visible_or_404(selectors.phases_for(request.user), request.user, pk=phase_id)


_fresh = _episode  # the episode as it is after a change, phases and all


@router.get("/episodes/{episode_id}", response={200: EpisodeDetailOut, 404: ErrorOut})
def get_episode(request: AuthedRequest, episode_id: int):
    require(request.user, "episode.view")
    return _episode(request, episode_id)


class EpisodeIn(StrictSchema):
    person_id: int
    reason: Reason
    start_date: dt.date | None = Field(None, description="day 1; default today (Asia/Shanghai)")


@router.post("/episodes", response={201: EpisodeDetailOut, **ERRORS}, summary="Start an episode")
def start_episode(request: AuthedRequest, payload: EpisodeIn):
    require(request.user, "episode.manage")
    person = get_visible_or_404(
        persons_for(request.user), request.user, pk=payload.person_id, error_field="person_id"
    )
    episode = services.start_episode(
        person,
        payload.reason,
        start_date=payload.start_date or timezone.localdate(),
        by=request.user,
    )
    return Status(201, _fresh(request, episode.pk))


class AdjustIn(StrictSchema):
    new_end_date: dt.date
    reason: str = Field(..., max_length=500, description="why; required")


@router.post(
    "/phases/{phase_id}/adjust",
    response={200: EpisodeDetailOut, **ERRORS},
    summary="Extend or shorten a phase (later phases move with it)",
)
def adjust_phase(request: AuthedRequest, phase_id: int, payload: AdjustIn):
    require(request.user, "episode.manage")
    phase = _phase(request, phase_id)
    try:
        services.adjust_phase(
            phase, new_end_date=payload.new_end_date, reason_text=payload.reason, by=request.user
        )
    except DomainError as exc:
        _rename_field(exc, "reason_text", "reason")
        raise
    return _fresh(request, phase.episode_id)


class CompleteIn(StrictSchema):
    on_date: dt.date | None = Field(None, description="default today (Asia/Shanghai)")
    early_reason: str = Field("", max_length=500, description="required before the planned end")


@router.post(
    "/phases/{phase_id}/complete",
    response={200: EpisodeDetailOut, **ERRORS},
    summary="End the phase in progress; the next one starts the same day",
)
def complete_phase(request: AuthedRequest, phase_id: int, payload: CompleteIn):
    require(request.user, "episode.manage")
    phase = _phase(request, phase_id)
    services.complete_phase(
        phase, by=request.user, on_date=payload.on_date, early_reason=payload.early_reason
    )
    return _fresh(request, phase.episode_id)


class CancelIn(StrictSchema):
    reason: str = Field(..., max_length=500)


@router.post(
    "/episodes/{episode_id}/cancel", response={200: EpisodeDetailOut, **ERRORS}, summary="Cancel"
)
def cancel_episode(request: AuthedRequest, episode_id: int, payload: CancelIn):
    require(request.user, "episode.manage")
    episode = _episode(request, episode_id)
    try:
        services.cancel_episode(episode, reason_text=payload.reason, by=request.user)
    except DomainError as exc:
        _rename_field(exc, "reason_text", "reason")
        raise
    return _fresh(request, episode_id)


def _rename_field(exc: DomainError, old: str, new: str) -> None:
    """The API names the reason field ``reason``; the service calls it ``reason_text``."""
    if old in exc.fields:
        exc.fields[new] = exc.fields.pop(old)
