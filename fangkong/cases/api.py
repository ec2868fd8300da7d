"""The cases and contacts API under /api/v1/cases: case candidates (阳性待核), cases,
contacts, the tracing indicators, the zero-community-case streak and the chains."""

import datetime as dt
from typing import Any

from django.http import JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from fangkong.cases import graph, selectors, services
from fangkong.cases.filters import CaseFilter, ContactFilter
from fangkong.cases.models import Case, CaseCandidate, Contact
from fangkong.cases.schemas import (
    CandidateOut,
    CaseIn,
    CaseOut,
    ClusterOut,
    ConfirmIn,
    ContactOut,
    ContactsIn,
    DismissIn,
    GraphOut,
    IndicatorsOut,
    RegisteredOut,
    StreakBoardOut,
    TransferIn,
)
from fangkong.cases.services import ContactEntry
from fangkong.cases.services.case_import import import_cases
from fangkong.core.actors import AuthedRequest
from fangkong.core.api import ErrorOut, Page, filter_list
from fangkong.core.errors import NotFound, ValidationFailed
from fangkong.core.permissions import require
from fangkong.core.scoping import get_all_visible_or_404, get_visible_or_404
from fangkong.people.models import Person

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
        _candidate(request, candidate_id), note=data.note, kind=data.kind, by=request.user
    )


@router.post("/candidates/{candidate_id}/dismiss", response={200: CandidateOut, **ERRORS})
def candidate_dismiss(request: AuthedRequest, candidate_id: int, data: DismissIn) -> Any:
    """Dismiss with the reason (409 when someone decided first)."""
    require(request.user, DECIDE)
    return services.dismiss_candidate(
        _candidate(request, candidate_id), reason=data.reason, by=request.user
    )


# --- cases -----------------------------------------------------------------------------------
class CaseQuery(Schema):
    kind: str | None = None
    found: str | None = None
    state: str | None = None
    area: int | None = None
    reported_from: dt.date | None = None
    reported_to: dt.date | None = None
    cluster: int | None = None


@router.get("/cases", response={200: list[CaseOut], **ERRORS})
@paginate(Page)
def list_cases(request: AuthedRequest, q: Query[CaseQuery]) -> Any:
    """Cases in your areas, newest report first; filters as on the list page."""
    require(request.user, "case.view")
    return filter_list(request, CaseFilter, q, queryset=selectors.cases_for(request.user))


def _case(request: AuthedRequest, pk: int, field: str = "case_id") -> Case:
    return get_visible_or_404(selectors.cases_for(request.user), request.user, pk=pk,
                              error_field=field)  # fmt: skip


@router.post("/cases", response={201: CaseOut, **ERRORS})
def create_case(request: AuthedRequest, data: CaseIn) -> Any:
    """Register a case by hand (a person outside your areas: 404 naming ``person_id``)."""
    require(request.user, "case.register")
    person = get_visible_or_404(Person, request.user, pk=data.person_id, error_field="person_id")
    case = services.register_case(
        person, kind=data.kind, sampled_at=data.sampled_at, sampling_place=data.sampling_place,
        reported_at=data.reported_at, note=data.note, by=request.user,
    )  # fmt: skip
    return Status(201, case)


@router.post("/cases/import", response={201: list[CaseOut], **ERRORS})
def import_cases_file(request: AuthedRequest, file: UploadedFile = File(...)) -> Any:  # noqa: B008
    """Register the cases of an .xlsx (证件号码, 姓名, 类型, 采样时间, 采样地点, 报告时间):
    all, or none and a 422 naming every bad row (``row 5``)."""
    require(request.user, "case.register")
    return Status(201, import_cases(file.read(), by=request.user))


@router.get("/cases/{case_id}", response={200: CaseOut, **ERRORS})
def get_case(request: AuthedRequest, case_id: int) -> Any:
    require(request.user, "case.view")
    return _case(request, case_id)


@router.post("/cases/{case_id}/transfer", response={200: CaseOut, **ERRORS})
def transfer_case(request: AuthedRequest, case_id: int, data: TransferIn) -> Any:
    """The case is in a designated hospital (409 when recorded already)."""
    require(request.user, "case.transfer")
    return services.record_transfer(_case(request, case_id), hospital=data.hospital,
                                    at=data.at, by=request.user)  # fmt: skip


# --- contacts --------------------------------------------------------------------------------
class ContactQuery(Schema):
    kind: str | None = None
    uncontrolled: bool | None = None
    area: int | None = None


@router.get("/cases/{case_id}/contacts", response={200: list[ContactOut], **ERRORS})
@paginate(Page)
def case_contacts(request: AuthedRequest, case_id: int, q: Query[ContactQuery]) -> Any:
    require(request.user, "case.view")
    case = _case(request, case_id)
    qs = selectors.contacts_for(request.user).filter(case=case).order_by("pk")
    return filter_list(request, ContactFilter, q, queryset=qs)


@router.post("/cases/{case_id}/contacts", response={200: list[RegisteredOut], **ERRORS})
def add_contacts(request: AuthedRequest, case_id: int, data: ContactsIn) -> Any:
    """Register contacts of the case, all or none (each bad one named ``contacts.N``). One
    already a contact of the case comes back with ``created: false``; one under an active
    control is linked to it (``linked: true``), not put under control twice."""
    require(request.user, "contact.register")
    case = _case(request, case_id)
    people = get_all_visible_or_404(Person, request.user, [c.person_id for c in data.contacts],
                                    error_field="person_id")  # fmt: skip
    by_pk = {p.pk: p for p in people}
    vias = {
        v.pk: v
        for v in Contact.objects.visible_to(request.user).filter(
            case=case, pk__in=[c.via_id for c in data.contacts if c.via_id]
        )
    }
    entries = []
    for c in data.contacts:
        if c.via_id and c.via_id not in vias:
            raise ValidationFailed(_("No such close contact of this case."), field="via_id")
        entries.append(ContactEntry(person=by_pk[c.person_id], kind=c.kind,
                                    last_exposure=c.last_exposure, via=vias.get(c.via_id or 0)))  # fmt: skip
    done = services.register_contacts(case, entries, by=request.user)
    return [{"contact": r.contact, "created": r.created, "linked": r.linked} for r in done]


@router.get("/contacts", response={200: list[ContactOut], **ERRORS})
@paginate(Page)
def list_contacts(request: AuthedRequest, q: Query[ContactQuery]) -> Any:
    """Contacts in your areas (``uncontrolled=true``: those not under control)."""
    require(request.user, "case.view")
    qs = selectors.contacts_for(request.user).order_by("-pk")
    return filter_list(request, ContactFilter, q, queryset=qs)


# --- indicators, streak, chains --------------------------------------------------------------
@router.get("/indicators", response={200: IndicatorsOut, **ERRORS})
def get_indicators(
    request: AuthedRequest, start: dt.date | None = None, end: dt.date | None = None
) -> Any:
    """The WHO tracing indicators over the cases reported from ``start`` to ``end``."""
    require(request.user, "case.view")
    i = selectors.indicators(request.user, start, end)
    return {"cases": i.cases, "contacts": i.contacts, "contacts_per_case": i.contacts_per_case,
            "controlled_in_24h_pct": i.controlled_in_24h_pct,
            "from_contacts_pct": i.from_contacts_pct}  # fmt: skip


def _streak(s: selectors.Streak) -> dict[str, Any]:
    return {"area_id": s.area.pk if s.area else None, "area_name": s.area.name if s.area else "",
            "days": s.days, "last_community": s.last_community}  # fmt: skip


@router.get("/streak", response={200: StreakBoardOut, **ERRORS})
def get_streak(request: AuthedRequest, day: dt.date | None = None, history: int = 30) -> Any:
    """Days without a community case up to ``day`` (today), overall and per township, with
    the last ``history`` days (1 to 366)."""
    require(request.user, "case.view")
    if not 1 <= history <= 366:
        raise ValidationFailed(_("Between 1 and 366 days."), field="history")
    board = selectors.streaks(request.user, day or timezone.localdate(), history_days=history)
    return {"day": board.day, "overall": _streak(board.overall),
            "townships": [_streak(s) for s in board.townships],
            "history": [{"day": d, "community": n, "streak": k} for d, n, k in board.history]}  # fmt: skip


@router.get("/clusters", response={200: list[ClusterOut], **ERRORS})
def list_clusters(request: AuthedRequest) -> Any:
    """Chains of transmission in your areas, largest first."""
    require(request.user, "case.view")
    return [vars(c) for c in graph.clusters(request.user)]


@router.get("/clusters/{cluster_id}/graph", response={200: GraphOut, **ERRORS})
def cluster_graph(request: AuthedRequest, cluster_id: int) -> Any:
    """One chain as cytoscape.js elements (``nodes``, ``edges``); 404 for a chain without a
    case in your areas."""
    require(request.user, "case.view")
    data = graph.cluster_graph(request.user, cluster_id)
    if not data["nodes"]:
        raise NotFound(_("No such chain within your areas."), field="cluster_id")
    # tens of thousands of elements: written as JSON at once, not validated item by item
    return JsonResponse(data)
