"""The home isolation API under /api/v1/home-isolation: eligibility and the placement queue,
households, seals, personal links, missed reports, service requests and the overdue board,
alerts, reviews, phase changes, the door-sensor gateway (its own token) and the portal's
health report (the resident's link as the key). Scoped (another area's objects answer
404), role-checked (403), errors in the project's one format."""

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status
from ninja.pagination import paginate
from ninja.security import APIKeyHeader

from fangkong.control.models import ControlPhase
from fangkong.core.actors import AuthedRequest
from fangkong.core.api import ErrorOut, Page
from fangkong.core.errors import ValidationFailed
from fangkong.core.permissions import require
from fangkong.core.scoping import get_visible_or_404
from fangkong.home_isolation import schemas as s
from fangkong.home_isolation import selectors, services
from fangkong.home_isolation.choices import OPEN_REQUEST_STATES
from fangkong.home_isolation.models import (
    CloseReview,
    DoorSeal,
    EligibilityAssessment,
    HomeAlert,
    PortalLink,
    ServiceRequest,
)
from fangkong.home_isolation.services.alerts import gateway_for_token
from fangkong.people.models import Household, Person

router = Router(tags=["home isolation"])
ERR = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut}


class SensorGatewayAuth(APIKeyHeader):
    """A door-sensor gateway's own credential (``X-Sensor-Token``), not a user's token."""

    param_name = "X-Sensor-Token"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return gateway_for_token(key or "")


# --- eligibility and placement ------------------------------------------------------------
@router.post("/assessments", response={201: s.AssessmentOut, **ERR})
def assess(request: AuthedRequest, data: s.AssessmentIn):
    person = get_visible_or_404(Person, request.user, pk=data.person_id, error_field="person_id")
    carer = None
    if data.carer_id is not None:
        carer = get_visible_or_404(Person, request.user, pk=data.carer_id, error_field="carer_id")
    fields = data.dict(exclude={"person_id", "origin", "carer_id", "note"})
    answers = services.Answers(**fields, carer=carer, note=data.note)
    return Status(
        201, services.assess_household(person, answers, origin=data.origin, by=request.user)
    )


@router.get("/assessments", response=list[s.AssessmentOut])
@paginate(Page)
def list_assessments(request: AuthedRequest):
    require(request.user, "home.view")
    return EligibilityAssessment.objects.visible_to(request.user).order_by("-created_at", "-pk")


@router.get("/assessments/{assessment_id}", response={200: s.AssessmentOut, **ERR})
def get_assessment(request: AuthedRequest, assessment_id: int):
    if not request.user.can("home.placement.view"):
        require(request.user, "home.view")
    return get_visible_or_404(EligibilityAssessment, request.user, pk=assessment_id,
                              error_field="assessment_id")  # fmt: skip


@router.get("/placement", response=list[s.AssessmentOut])
@paginate(Page)
def placement_queue(request: AuthedRequest):
    """The "needs centralized placement" queue, the oldest first."""
    require(request.user, "home.placement.view")
    return selectors.awaiting_placement(request.user)


@router.get("/checks", response=list[s.PendingCheckOut])
@paginate(Page)
def checks_to_do(request: AuthedRequest):
    """Homes to check: home isolation started (a release) without a current eligible
    assessment of the household, the oldest first. Recording the assessment takes the
    household off."""
    require(request.user, "home.assess")
    return selectors.checks_to_do(request.user)


@router.post("/assessments/{assessment_id}/take", response={200: s.AssessmentOut, **ERR})
def take(request: AuthedRequest, assessment_id: int, data: s.NoteIn):
    a = get_visible_or_404(EligibilityAssessment, request.user, pk=assessment_id,
                           error_field="assessment_id")  # fmt: skip
    return services.take_for_placement(a, by=request.user, note=data.note)


@router.post("/assessments/{assessment_id}/cancel", response={200: s.AssessmentOut, **ERR})
def cancel_placement(request: AuthedRequest, assessment_id: int, data: s.HomeReasonIn):
    a = get_visible_or_404(EligibilityAssessment, request.user, pk=assessment_id,
                           error_field="assessment_id")  # fmt: skip
    return services.cancel_placement(a, reason_text=data.reason_text, by=request.user)


# --- households, seals, links ------------------------------------------------------------
@router.get("/households/{household_id}", response={200: s.HomeHouseholdOut, **ERR})
def household(request: AuthedRequest, household_id: int):
    require(request.user, "home.view")
    hh = get_visible_or_404(Household.objects.select_related("area"), request.user,
                            pk=household_id, error_field="household_id")  # fmt: skip
    v = selectors.household_view(request.user, hh, timezone.localdate())
    return {
        "id": hh.pk, "address": hh.address, "seal": v.seal,
        "assessment_id": v.assessment.pk if v.assessment else None,
        "members": [{
            "person_id": m.person.pk, "name": m.person.name,
            "phase_id": m.phase.pk if m.phase else None,
            "kind": m.phase.kind if m.phase else None, "day": m.day, "days": m.days,
            "planned_end_date": m.phase.planned_end_date if m.phase else None,
            "test_days": list(m.phase.test_days) if m.phase else [],
            "reported_today": m.reported_today,
        } for m in v.members],
        "chain": [{"role": c.role, "name": c.name, "phone_masked": c.phone_masked} for c in v.chain],
    }  # fmt: skip


@router.post("/households/{household_id}/seal", response={201: s.SealOut, **ERR})
def fit_seal(request: AuthedRequest, household_id: int, data: s.SealIn):
    hh = get_visible_or_404(Household, request.user, pk=household_id, error_field="household_id")
    seal = services.fit_seal(
        hh, kind=data.kind, number=data.number, consent=data.consent, by=request.user
    )
    return Status(201, seal)


@router.get("/seals/{seal_id}", response={200: s.SealOut, **ERR})
def get_seal(request: AuthedRequest, seal_id: int):
    require(request.user, "home.view")
    return get_visible_or_404(DoorSeal, request.user, pk=seal_id, error_field="seal_id")


@router.post("/seals/{seal_id}/remove", response={200: s.SealOut, **ERR})
def remove_seal(request: AuthedRequest, seal_id: int):
    seal = get_visible_or_404(DoorSeal, request.user, pk=seal_id, error_field="seal_id")
    return services.remove_seal(seal, by=request.user)


@router.post("/persons/{person_id}/link", response={201: s.LinkOut, **ERR})
def issue_link(request: AuthedRequest, person_id: int):
    """A new personal link (earlier ones revoked), sent by SMS; the URL is returned once."""
    person = get_visible_or_404(Person, request.user, pk=person_id, error_field="person_id")
    issued = services.issue_link(person, by=request.user)
    link = issued.link
    out = {"id": link.pk, "person_id": link.person_id, "expires_at": link.expires_at}
    return Status(201, out | {"url": issued.url})


@router.get("/links/{link_id}", response={200: s.LinkOut, **ERR})
def get_link(request: AuthedRequest, link_id: int):
    """A personal link's validity (its token is never shown again)."""
    require(request.user, "home.view")
    return get_visible_or_404(PortalLink, request.user, pk=link_id, error_field="link_id")


@router.post("/links/{link_id}/revoke", response={200: s.LinkOut, **ERR})
def revoke_link(request: AuthedRequest, link_id: int):
    link = get_visible_or_404(PortalLink, request.user, pk=link_id, error_field="link_id")
    return services.revoke_link(link, by=request.user)


@router.post("/phases/{phase_id}/adjust", response={200: s.AdjustOut, **ERR})
def adjust_phase(request: AuthedRequest, phase_id: int, data: s.HomePhaseAdjustIn):
    """Extend or shorten a home phase with a reason."""
    phase = get_visible_or_404(ControlPhase, request.user, pk=phase_id, error_field="phase_id")
    return services.adjust_home_phase(phase, new_end_date=data.new_end_date,
                                      reason_text=data.reason_text, by=request.user)  # fmt: skip


# --- reports, requests, alerts, reviews -------------------------------------------------------
@router.get("/missed", response=list[s.MissedOut])
def missed(request: AuthedRequest, q: Query[s.WindowQuery]):
    """Who has not reported in a closed window today (the latest closed by default), at
    most 500, by household."""
    require(request.user, "home.view")
    now = timezone.now()
    closed = selectors.closed_windows(now)
    window = q.window or (closed[-1] if closed else None)
    if window is None or window not in closed:
        return []
    rows = selectors.missed_reports(request.user, timezone.localdate(now), window)[:500]
    return [{"person_id": p.episode.person_id, "name": p.episode.person.name,
             "household_id": p.episode.person.household_id, "phase_id": p.pk,
             "reminded": p.reminded} for p in rows]  # fmt: skip


@router.get("/requests", response=list[s.ServiceRequestOut])
@paginate(Page)
def list_requests(request: AuthedRequest, open_only: bool = True):
    require(request.user, "home.view")
    qs = selectors.requests_for(request.user)
    if open_only:
        qs = qs.filter(state__in=OPEN_REQUEST_STATES)
    return qs.order_by("due_at", "pk")


@router.post("/requests", response={201: s.ServiceRequestOut, **ERR})
def create_request(request: AuthedRequest, data: s.ServiceRequestIn):
    person = get_visible_or_404(Person, request.user, pk=data.person_id, error_field="person_id")
    return Status(
        201, services.create_request(person, kind=data.kind, note=data.note, by=request.user)
    )


@router.get("/requests/{request_id}", response={200: s.ServiceRequestOut, **ERR})
def get_request(request: AuthedRequest, request_id: int):
    require(request.user, "home.view")
    return get_visible_or_404(ServiceRequest, request.user, pk=request_id, error_field="request_id")


def _req(request: AuthedRequest, request_id: int) -> ServiceRequest:
    return get_visible_or_404(ServiceRequest, request.user, pk=request_id, error_field="request_id")


@router.post("/requests/{request_id}/accept", response={200: s.ServiceRequestOut, **ERR})
def accept_request(request: AuthedRequest, request_id: int, data: s.AcceptIn):
    return services.accept_request(_req(request, request_id), by=request.user,
                                   assignee_name=data.assignee_name)  # fmt: skip


@router.post("/requests/{request_id}/deliver", response={200: s.ServiceRequestOut, **ERR})
def deliver_request(request: AuthedRequest, request_id: int, data: s.DeliverIn):
    return services.deliver_request(_req(request, request_id), confirmation=data.confirmation,
                                    by=request.user)  # fmt: skip


@router.post("/requests/{request_id}/close", response={200: s.ServiceRequestOut, **ERR})
def close_request(request: AuthedRequest, request_id: int):
    return services.close_request(_req(request, request_id), by=request.user)


@router.post("/requests/{request_id}/cancel", response={200: s.ServiceRequestOut, **ERR})
def cancel_request(request: AuthedRequest, request_id: int, data: s.HomeReasonIn):
    return services.cancel_request(_req(request, request_id), reason_text=data.reason_text,
                                   by=request.user)  # fmt: skip


@router.get("/board", response=list[s.BoardOut])
def board(request: AuthedRequest):
    """Open and overdue service requests per village."""
    require(request.user, "home.view")
    return selectors.overdue_board(request.user, timezone.now())


@router.get("/alerts", response=list[s.AlertOut])
@paginate(Page)
def list_alerts(request: AuthedRequest):
    require(request.user, "home.view")
    return selectors.alerts_for(request.user).filter(handled_at__isnull=True)


@router.post("/alerts/{alert_id}/handle", response={200: s.AlertOut, **ERR})
def handle_alert(request: AuthedRequest, alert_id: int, data: s.HandleIn):
    alert = get_visible_or_404(HomeAlert, request.user, pk=alert_id, error_field="alert_id")
    return services.handle_alert(alert, by=request.user, send_for_test=data.send_for_test)


@router.get("/reviews", response=list[s.ReviewOut])
@paginate(Page)
def list_reviews(request: AuthedRequest):
    require(request.user, "home.view")
    return selectors.reviews_for(request.user)


@router.post("/reviews/{review_id}/resolve", response={200: s.ReviewOut, **ERR})
def resolve_review(request: AuthedRequest, review_id: int, data: s.ResolveIn):
    review = get_visible_or_404(CloseReview, request.user, pk=review_id, error_field="review_id")
    return services.resolve_review(review, by=request.user, close=data.close,
                                   new_end_date=data.new_end_date, reason_text=data.reason_text)  # fmt: skip


# --- outside callers: the sensor gateway and the resident's portal --------------------------------
@router.post("/sensor-events", auth=SensorGatewayAuth(), response={201: s.AlertOut, **ERR})
def sensor_event(request: AuthedRequest, data: s.SensorEventIn):
    """A door sensor reports the door opened (the gateway's own token in X-Sensor-Token)."""
    if data.event != "open":
        raise ValidationFailed("event: only 'open' is reported.", field="event")
    gateway = request.auth  # type: ignore[attr-defined]
    return Status(201, services.door_event(gateway, sensor=data.sensor, at=data.at))


@router.post("/portal/reports", auth=None, response={201: s.HealthReportOut, **ERR})
def portal_report(request: AuthedRequest, data: s.PortalReportIn):
    """A resident's health report with their personal link's token (no account)."""
    r = services.report_with_token(data.token, temperature=data.temperature,
                                   symptoms=data.symptoms, for_person=data.for_person)  # fmt: skip
    out = {"day": r.day, "window": r.window, "flagged": r.flagged}
    return Status(201, out | {"temperature": float(r.temperature)})
