"""Every scoped model, tried through its pages and its API as a user of another area.

For every model read through ``visible_to`` an object is built in township A (the builders
in tests/scoping_world.py); then every page and API endpoint that shows that model is
requested by a county-command officer posted to township B, who must get 404 for the
object's own URLs and lists without it, and by the same role posted to township A, who must
get 200 and see it: the positive control, without which a 404 page or an empty list would
pass for scoping.

The pages are found in the URLconf: a generic view names its model; any other page taking
an id is attributed in ``PAGES``. The API's endpoints are found in the Ninja router and
attributed by path in ``API_OBJECTS`` (one object) and ``API_LISTS`` (paginated lists). A
new scoped model without a builder, or a new page or endpoint the test cannot attribute,
fails here with what to register.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from fangkong.api import api
from fangkong.core.roles import Role
from fangkong.core.scoping import is_shared
from fangkong.core.views.generic import ObjectListView, ScopedViewMixin
from tests.scoping_world import BUILDERS, World

pytestmark = pytest.mark.django_db

SKIP = "skip"
# Pages taking an id whose view does not name its model: URL name -> model label, or SKIP
# with the reason the page is covered elsewhere.
PAGES: dict[str, str | tuple[str, str]] = {
    "areas:area_detail": "areas.Area",
    "areas:area_children": "areas.Area",
    "areas:area_create": "areas.Area",
    "areas:area_edit": "areas.Area",
    "areas:assign": "areas.Area",
    "areas:responsibility_end": "areas.Responsibility",
    "people:person_chain_reveal": "people.Person",
    "people:category_detail": "people.KeyCategory",
    "people:category_edit": "people.KeyCategory",
    "people:import_detail": "people.ImportJob",
    "people:import_errors": "people.ImportJob",
    "sites:board": "sites.IsolationSite",
    "sites:room_detail": "sites.Room",
    "sites:room_step": "sites.Room",
    "sites:room_check_in": "sites.Room",
    "sites:stay_release": "sites.Stay",
    "testing:point_detail": "testing.TestingPoint",
    "testing:round_detail": "testing.ScreeningRound",
    "testing:point_edit": "testing.TestingPoint",
    "testing:round_edit": "testing.ScreeningRound",
    "testing:lab_edit": (
        SKIP,
        "labs are shared (no one's data); tests/testing/test_setup_pages.py",
    ),
    "testing:door_to_door": "testing.ScreeningRound",
    "testing:sample": (SKIP, "two ids (point, round); tests/testing/test_sampling.py"),
    "testing:box_detail": "testing.Box",
    "testing:tube_detail": "testing.Tube",
    "testing:result_import_detail": "testing.ResultImportJob",
    "testing:result_import_errors": "testing.ResultImportJob",
    "testing:retest_sample": "testing.RetestTask",
    "testing:retest_cancel": "testing.RetestTask",
    "cases:candidate_decide": "cases.CaseCandidate",
    "cases:contact_control": "cases.Contact",
    "cases:case_transfer_request": "cases.Case",
    "cases:contact_transfer_request": (
        SKIP,
        "two ids (case, contact); tests/transfers/test_links_pages.py",
    ),
    "cases:chain": "cases.Case",  # a chain is named by its first case
    "testing:candidate_decide": "testing.CaseCandidate",
    "arrivals:arrival_acknowledge": "arrivals.Arrival",
    "arrivals:arrival_cancel": "arrivals.Arrival",
    "arrivals:designation_lift": "arrivals.RiskDesignation",
    "arrivals:import_detail": "arrivals.LedgerImport",
    "arrivals:import_errors": "arrivals.LedgerImport",
    "checkpoints:check": "checkpoints.Checkpoint",
    "checkpoints:shift_start": "checkpoints.Checkpoint",
    "logistics:checkpoint_pass": "checkpoints.Checkpoint",
    "home_isolation:household": "people.Household",
    "home_isolation:seal_fit": "people.Household",
    "home_isolation:seal_remove": "home_isolation.DoorSeal",
    "home_isolation:link_issue": "people.Person",
    "home_isolation:link_revoke": "home_isolation.PortalLink",
    "home_isolation:phase_adjust": "control.ControlPhase",
    "home_isolation:assess": "people.Person",
    "home_isolation:assessment_detail": "home_isolation.EligibilityAssessment",
    "home_isolation:placement_cancel": "home_isolation.EligibilityAssessment",
    "home_isolation:placement_transfer": "home_isolation.EligibilityAssessment",
    "home_isolation:request_detail": "home_isolation.ServiceRequest",
    "home_isolation:request_move": "home_isolation.ServiceRequest",
    "home_isolation:request_new": "people.Person",
    "home_isolation:alert_handle": "home_isolation.HomeAlert",
    "home_isolation:review_resolve": "home_isolation.CloseReview",
    "portal:home": (SKIP, "a resident's token, no area (tests/home_isolation/test_portal.py)"),
    "portal:report": (SKIP, "a resident's token (tests/home_isolation/test_portal.py)"),
    "portal:request": (SKIP, "a resident's token (tests/home_isolation/test_portal.py)"),
    "portal:qr": (SKIP, "a resident's token (tests/home_isolation/test_portal.py)"),
    "transfers:board": "transfers.Plan",
    "transfers:plan_action": (SKIP, "a plan and an action (tests/transfers/test_pages.py)"),
    "transfers:trip": "transfers.Trip",
    "transfers:trip_lock": "transfers.Trip",
    "transfers:trip_action": (SKIP, "a trip and an action (tests/transfers/test_pages.py)"),
    "transfers:vehicle_disinfected": "transfers.Vehicle",
    "command:picture_area": "areas.Area",
    "command:report_detail": "command.DailyReport",
    "command:report_pdf": "command.DailyReport",
    "command:report_xlsx": "command.DailyReport",
    "command:directive_detail": "command.Directive",
    "command:recipient_action": (SKIP, "POST with an action (tests/command/test_directives.py)"),
    "export_detail": "core.ExportJob",
    "export_download": (SKIP, "a file of its asker's (tests/core/test_export_jobs.py)"),
    "notice_open": (SKIP, "a notice is its owner's (tests/command/test_notices.py)"),
    "token_revoke": (SKIP, "a token is its owner's (tests/core/test_accounts.py)"),
    "user_edit": "core.User",
    "user_reset_password": "core.User",
    "user_reset_2fa": "core.User",
    "user_revoke_tokens": "core.User",
    "task_retry": (SKIP, "a task id, no area (tests/core/test_tasks.py)"),
    "reveal": (SKIP, "model named in the URL (tests/core/test_pii.py)"),
    "workforce:work_pass": "workforce.Worker",
    "workforce:worker_action": "workforce.Worker",
    "workforce:roster_action": "workforce.Roster",
    "logistics:pass_print": "logistics.FreightPass",
    "logistics:pass_decide": "logistics.FreightPass",
}

# API paths (as the router declares them, after /api/v1) of one object -> model label
API_OBJECTS: dict[str, str] = {
    "/areas/{area_id}": "areas.Area",
    "/areas/{area_id}/children": "areas.Area",
    "/areas/{area_id}/chain": "areas.Area",
    "/areas/responsibilities/{resp_id}/end": "areas.Responsibility",
    "/persons/{person_id}": "people.Person",
    "/households/{household_id}": "people.Household",
    "/categories/{category_id}": "people.KeyCategory",
    "/imports/{job_id}": "people.ImportJob",
    "/imports/{job_id}/errors": "people.ImportJob",
    "/policy/rule-sets/{rule_set_id}": "policy.RuleSet",
    "/control/episodes/{episode_id}": "control.ControlEpisode",
    "/control/episodes/{episode_id}/cancel": "control.ControlEpisode",
    "/control/phases/{phase_id}/adjust": "control.ControlPhase",
    "/control/phases/{phase_id}/complete": "control.ControlPhase",
    "/sites/stays/{stay_id}": "sites.Stay",
    "/sites/stays/{stay_id}/move": "sites.Stay",
    "/sites/stays/{stay_id}/release": "sites.Stay",
    "/sites/stays/{stay_id}/overstay-reason": "sites.Stay",
    "/sites/rooms/{room_id}": "sites.Room",
    "/sites/rooms/{room_id}/state": "sites.Room",
    "/sites/rooms/{room_id}/check-in": "sites.Room",
    "/sites/rooms/{room_id}/turnover": "sites.Room",
    "/sites/{site_id}": "sites.IsolationSite",
    "/sites/{site_id}/rooms": "sites.IsolationSite",
    "/sites/{site_id}/rooms/bulk": "sites.IsolationSite",
    "/sites/{site_id}/capacity": "sites.IsolationSite",
    "/sites/{site_id}/board": "sites.IsolationSite",
    "/sites/{site_id}/turnaround": "sites.IsolationSite",
    "/testing/points/{point_id}": "testing.TestingPoint",
    "/testing/rounds/{round_id}": "testing.ScreeningRound",
    "/testing/rounds/{round_id}/coverage": "testing.ScreeningRound",
    "/testing/rounds/{round_id}/missing": "testing.ScreeningRound",
    "/testing/tubes/{barcode}": "testing.Tube",
    "/testing/tubes/{barcode}/close": "testing.Tube",
    "/testing/boxes/{barcode}": "testing.Box",
    "/testing/boxes/{barcode}/tubes": "testing.Box",
    "/testing/boxes/{barcode}/handover": "testing.Box",
    "/testing/boxes/{barcode}/receive": "testing.Box",
    "/testing/results/imports/{job_id}": "testing.ResultImportJob",
    "/testing/results/imports/{job_id}/errors": "testing.ResultImportJob",
    "/testing/retests/{task_id}/sample": "testing.RetestTask",
    "/testing/retests/{task_id}/cancel": "testing.RetestTask",
    "/cases/candidates/{candidate_id}/confirm": "cases.CaseCandidate",
    "/cases/candidates/{candidate_id}/dismiss": "cases.CaseCandidate",
    "/cases/cases/{case_id}": "cases.Case",
    "/cases/cases/{case_id}/transfer": "cases.Case",
    "/cases/cases/{case_id}/contacts": "cases.Case",
    "/cases/clusters/{cluster_id}/graph": "cases.Case",  # a chain is named by its first case
    "/testing/persons/{person_id}/results": "people.Person",
    "/workforce/sectors/{sector_id}": "workforce.Sector",
    "/workforce/employers/{employer_id}": "workforce.Employer",
    "/workforce/employers/{employer_id}/workers": "workforce.Employer",
    "/workforce/employers/{employer_id}/whitelist": "workforce.Employer",
    "/workforce/imports/{job_id}": "workforce.WhitelistImport",
    "/workforce/imports/{job_id}/errors": "workforce.WhitelistImport",
    "/workforce/workers/{worker_id}": "workforce.Worker",
    "/workforce/workers/{worker_id}/loop": "workforce.Worker",
    "/workforce/pools/{pool_id}": "workforce.StaffPool",
    "/workforce/pools/{pool_id}/members": "workforce.StaffPool",
    "/workforce/pools/{pool_id}/posts": "workforce.StaffPool",
    "/workforce/pools/{pool_id}/rosters": "workforce.StaffPool",
    "/workforce/rosters/{roster_id}": "workforce.Roster",
    "/workforce/rosters/{roster_id}/publish": "workforce.Roster",
    "/workforce/rosters/{roster_id}/absences": "workforce.Roster",
    "/logistics/points/{point_id}": "logistics.StockPoint",
    "/logistics/points/{point_id}/stock": "logistics.StockPoint",
    "/logistics/points/{point_id}/movements": "logistics.StockPoint",
    "/logistics/passes/{pass_id}": "logistics.FreightPass",
    "/logistics/passes/{pass_id}/approve": "logistics.FreightPass",
    "/logistics/passes/{pass_id}/refuse": "logistics.FreightPass",
    "/logistics/passes/{pass_id}/revoke": "logistics.FreightPass",
    "/arrivals/arrivals/{arrival_id}": "arrivals.Arrival",
    "/arrivals/arrivals/{arrival_id}/acknowledge": "arrivals.Arrival",
    "/arrivals/arrivals/{arrival_id}/cancel": "arrivals.Arrival",
    "/arrivals/risk-areas/{designation_id}": "arrivals.RiskDesignation",
    "/arrivals/risk-areas/{designation_id}/lift": "arrivals.RiskDesignation",
    "/checkpoints/checkpoints/{checkpoint_id}": "checkpoints.Checkpoint",
    "/checkpoints/checkpoints/{checkpoint_id}/shift": "checkpoints.Checkpoint",
    "/checkpoints/checkpoints/{checkpoint_id}/uploads": "checkpoints.Checkpoint",
    "/home-isolation/assessments/{assessment_id}": "home_isolation.EligibilityAssessment",
    "/home-isolation/assessments/{assessment_id}/take": "home_isolation.EligibilityAssessment",
    "/home-isolation/assessments/{assessment_id}/cancel": "home_isolation.EligibilityAssessment",
    "/home-isolation/households/{household_id}": "people.Household",
    "/home-isolation/households/{household_id}/seal": "people.Household",
    "/home-isolation/seals/{seal_id}": "home_isolation.DoorSeal",
    "/home-isolation/seals/{seal_id}/remove": "home_isolation.DoorSeal",
    "/home-isolation/links/{link_id}": "home_isolation.PortalLink",
    "/home-isolation/persons/{person_id}/link": "people.Person",
    "/home-isolation/links/{link_id}/revoke": "home_isolation.PortalLink",
    "/home-isolation/phases/{phase_id}/adjust": "control.ControlPhase",
    "/home-isolation/requests/{request_id}": "home_isolation.ServiceRequest",
    "/home-isolation/requests/{request_id}/accept": "home_isolation.ServiceRequest",
    "/home-isolation/requests/{request_id}/deliver": "home_isolation.ServiceRequest",
    "/home-isolation/requests/{request_id}/close": "home_isolation.ServiceRequest",
    "/home-isolation/requests/{request_id}/cancel": "home_isolation.ServiceRequest",
    "/home-isolation/alerts/{alert_id}/handle": "home_isolation.HomeAlert",
    "/home-isolation/reviews/{review_id}/resolve": "home_isolation.CloseReview",
    "/transfers/requests/{request_id}": "transfers.TransferRequest",
    "/transfers/requests/{request_id}/cancel": "transfers.TransferRequest",
    "/transfers/requests/from-placement/{assessment_id}": "home_isolation.EligibilityAssessment",
    "/transfers/requests/from-contact/{contact_id}": "cases.Contact",
    "/transfers/requests/from-case/{case_id}": "cases.Case",
    "/transfers/vehicles/{vehicle_id}": "transfers.Vehicle",
    "/transfers/vehicles/{vehicle_id}/disinfected": "transfers.Vehicle",
    "/transfers/vehicles/{vehicle_id}/out-of-service": "transfers.Vehicle",
    "/transfers/plans/{plan_id}": "transfers.Plan",
    "/transfers/plans/{plan_id}/trips": "transfers.Plan",
    "/transfers/plans/{plan_id}/accept": "transfers.Plan",
    "/transfers/plans/{plan_id}/replan": "transfers.Plan",
    "/transfers/plans/{plan_id}/move": "transfers.Plan",
    "/transfers/trips/{trip_id}": "transfers.Trip",
    "/transfers/trips/{trip_id}/lock": "transfers.Trip",
    "/transfers/trips/{trip_id}/dispatch": "transfers.Trip",
    "/transfers/trips/{trip_id}/pick-up": "transfers.Trip",
    "/transfers/trips/{trip_id}/arrive": "transfers.Trip",
    "/command/reports/{report_id}": "command.DailyReport",
    "/command/directives/{directive_id}": "command.Directive",
    "/command/recipients/{recipient_id}": "command.DirectiveRecipient",
    "/command/recipients/{recipient_id}/actions": "command.DirectiveRecipient",
}

# Paginated API lists (GET, no path parameter) -> the model whose rows they list, or SKIP
API_LISTS: dict[str, str | tuple[str, str]] = {
    "/areas": "areas.Area",
    "/areas/unassigned": (SKIP, "areas without anyone assigned (tests/areas)"),
    "/areas/picker/search": (SKIP, "a search, empty without q (tests/areas/test_picker_api.py)"),
    "/areas/responsibilities": "areas.Responsibility",
    "/persons": "people.Person",
    "/households": "people.Household",
    "/policy/rule-sets": "policy.RuleSet",
    "/control/episodes": "control.ControlEpisode",
    "/sites": "sites.IsolationSite",
    "/sites/stays": "sites.Stay",
    "/sites/due": (SKIP, "stays due today or tomorrow (tests/sites)"),
    "/sites/overstays": (SKIP, "stays past their end (tests/sites)"),
    "/testing/points": "testing.TestingPoint",
    "/testing/rounds": "testing.ScreeningRound",
    "/testing/tubes": "testing.Tube",
    "/testing/retests": "testing.RetestTask",
    "/cases/candidates": "cases.CaseCandidate",
    "/cases/cases": "cases.Case",
    "/cases/contacts": "cases.Contact",
    "/testing/overdue": (SKIP, "tubes past a target (tests/testing)"),
    "/workforce/employers": "workforce.Employer",
    "/workforce/workers": "workforce.Worker",
    "/workforce/pools": "workforce.StaffPool",
    "/logistics/points": "logistics.StockPoint",
    "/logistics/passes": "logistics.FreightPass",
    "/arrivals/arrivals": "arrivals.Arrival",
    "/arrivals/origins": (SKIP, "places elsewhere, nobody's data (tests/arrivals/test_origins.py)"),
    "/arrivals/away": "arrivals.ResidentAway",
    "/arrivals/risk-areas": "arrivals.RiskDesignation",
    "/checkpoints/checkpoints": "checkpoints.Checkpoint",
    "/checkpoints/vehicles": "checkpoints.VehicleCheck",
    "/checkpoints/persons": "checkpoints.PersonCheck",
    "/home-isolation/assessments": "home_isolation.EligibilityAssessment",
    "/home-isolation/placement": "home_isolation.EligibilityAssessment",
    "/home-isolation/checks": "home_isolation.PendingCheck",
    "/home-isolation/requests": "home_isolation.ServiceRequest",
    "/home-isolation/alerts": "home_isolation.HomeAlert",
    "/home-isolation/reviews": "home_isolation.CloseReview",
    "/transfers/requests": "transfers.TransferRequest",
    "/transfers/vehicles": "transfers.Vehicle",
    "/transfers/plans": "transfers.Plan",
    "/command/reports": "command.DailyReport",
    "/command/directives": "command.Directive",
    "/command/notices": (SKIP, "a user's own notices (tests/command/test_notices.py)"),
}

# Scoped models with no page or endpoint of their own: shown only inside another's page.
NOT_ADDRESSABLE = {
    "core.TimelineEvent": "shown on its person's, household's or room's page",
    "sites.TurnoverStep": "shown on its room's page",
    "testing.TubeMember": "shown on its tube's page",
    "testing.Result": "shown on its tube's page",
    "testing.Notification": "an outbox, read by the sender",
    "people.NameFragment": "the search box's index: found through the person search "
    "(tests/people/test_search_index.py checks another area's person is never found)",
    "people.DuplicateCandidate": "shown as groups on the likely-duplicates page and API "
    "(tests/people/test_duplicates_merge.py::test_the_list_is_scoped)",
    "workforce.StaffMember": "shown on its pool's page",
    "workforce.Post": "shown on its pool's page",
    "workforce.Assignment": "shown on its roster's page",
    "workforce.Absence": "shown on its roster's page, as the shifts it changed",
    "logistics.Stock": "shown on its stock point's page",
    "logistics.StockMovement": "shown on its stock point's page",
    "logistics.CrewMember": "shown on its pass's page",
    "logistics.PassCheck": "shown on its pass's page",
    "checkpoints.Shift": "shown on its checkpoint's page",
    "home_isolation.HealthReport": "shown on its household's page (reports today)",
    "home_isolation.ReportReminder": "shown on the missed-report list (reminded or not)",
    "home_isolation.HomeTest": "its door-to-door task is on testing's retest list",
    "transfers.TransferPerson": "shown on its request's and its trip's page",
    "transfers.Stop": "shown on its plan's dispatch board and its trip's page",
    "transfers.Depot": "shown on its vehicles' list (no page of its own yet)",
    "transfers.Hospital": "shown on the trips going there (no page of its own yet)",
    "transfers.CrewMember": "the drivers' accounts (no page of its own yet)",
    "command.DirectiveUpdate": "shown on its directive's page",
}

LOOKUP_FIELD = {"testing.Tube": "barcode", "testing.Box": "barcode"}


def scoped_models() -> list[Any]:
    return sorted(
        (
            m
            for m in apps.get_models()
            if hasattr(m._default_manager, "visible_to") and not is_shared(m)
        ),
        key=lambda m: m._meta.label,
    )


# --- finding the pages and endpoints ---------------------------------------------------------
@dataclass
class Page:
    name: str
    kwargs: list[str]
    view: Any


def _walk(patterns, ns: str = ""):
    for p in patterns:
        if isinstance(p, URLResolver):
            inner = f"{ns}:{p.namespace}" if ns and p.namespace else (p.namespace or ns)
            yield from _walk(p.url_patterns, inner)
        elif isinstance(p, URLPattern) and p.name:
            yield Page(f"{ns}:{p.name}" if ns else p.name, list(p.pattern.converters), p)


def pages() -> list[Page]:
    return [p for p in _walk(get_resolver().url_patterns) if not p.name.startswith("api:")]


def view_model(page: Page) -> Any:
    """The model a generic view declares, or None."""
    cls = getattr(getattr(page.view, "callback", None), "view_class", None)
    if cls is None or not issubclass(cls, ScopedViewMixin):
        return None
    try:
        return cls().get_model()
    except NotImplementedError:
        return None


def page_model(page: Page) -> str | tuple[str, str] | None:
    if page.name in PAGES:
        return PAGES[page.name]
    model = view_model(page)
    return model._meta.label if model is not None else None


def api_operations() -> list[tuple[str, list[str]]]:
    """(path after /api/v1, methods) of every operation of the Ninja API."""
    out = []
    for prefix, router in api._routers:
        for path, view in router.path_operations.items():
            full = "/" + "/".join(s for s in (prefix + "/" + path).split("/") if s)
            for op in view.operations:
                out.append((full, list(op.methods)))
    return out


def path_params(path: str) -> list[str]:
    return re.findall(r"{(\w+)}", path)


# --- the test itself -------------------------------------------------------------------------
@pytest.fixture
def two_officers(county, make_user):
    """The same all-seeing role, posted to township A and to township B."""
    return (
        make_user(Role.COUNTY_COMMAND, county.town_a, username="meta_a"),
        make_user(Role.COUNTY_COMMAND, county.town_b, username="meta_b"),
    )


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _key(obj: Any) -> Any:
    return getattr(obj, LOOKUP_FIELD.get(obj._meta.label, "pk"))


def _ids_in(response) -> set[Any]:
    return {item.get("id") for item in response.json()["items"]}


def test_every_scoped_model_has_a_builder():
    missing = [m._meta.label for m in scoped_models() if m._meta.label not in BUILDERS]
    assert not missing, (
        "These models are read through visible_to() but the scoping meta-test cannot build "
        f"one: {', '.join(missing)}. Register a builder in tests/scoping_world.py "
        '(@builds("app.Model") def _x(world): ... return an object in township A).'
    )


def test_every_page_taking_an_id_is_attributed_to_a_model():
    unknown = [p.name for p in pages() if p.kwargs and page_model(p) is None]
    assert not unknown, (
        f"These pages take an id but the scoping meta-test cannot tell of which model: "
        f"{', '.join(unknown)}. Give the view a model (the generic views) or add the URL "
        "name to PAGES in tests/test_meta_scoping.py."
    )


def test_every_api_endpoint_taking_an_id_is_attributed_to_a_model():
    unknown = sorted({p for p, _m in api_operations() if path_params(p) and p not in API_OBJECTS})
    assert not unknown, (
        f"These API paths take an id but the scoping meta-test cannot tell of which model: "
        f"{', '.join(unknown)}. Add them to API_OBJECTS in tests/test_meta_scoping.py."
    )


def test_every_scoped_model_is_reached_by_a_page_or_endpoint_or_says_why_not():
    reached = {page_model(p) for p in pages()} | set(API_OBJECTS.values())
    reached |= {v for v in API_LISTS.values() if isinstance(v, str)}
    silent = [
        m._meta.label
        for m in scoped_models()
        if m._meta.label not in reached and m._meta.label not in NOT_ADDRESSABLE
    ]
    assert not silent, (
        f"No page or API endpoint of {', '.join(silent)} was found: map its URLs in "
        "tests/test_meta_scoping.py, or list it in NOT_ADDRESSABLE with the page that shows it."
    )


@pytest.mark.parametrize("label", [m._meta.label for m in scoped_models()])
def test_another_areas_user_never_sees_the_object(label, county, two_officers):
    user_a, user_b = two_officers
    if label not in BUILDERS:
        pytest.fail(f"No builder for {label}: register one in tests/scoping_world.py.")
    obj = World(county, user_a).get(label)
    model = type(obj)
    # the queryset itself
    assert model._default_manager.visible_to(user_a).filter(pk=obj.pk).exists()
    assert not model._default_manager.visible_to(user_b).filter(pk=obj.pk).exists()
    a, b = client_for(user_a), client_for(user_b)
    checked = 0

    # pages: one object
    for page in pages():
        if page_model(page) != label or len(page.kwargs) != 1:
            continue
        url = reverse(page.name, kwargs={page.kwargs[0]: obj.pk})
        own = a.get(url)
        if own.status_code == 405:  # a form's target (POST only): B is refused before any write
            assert b.post(url).status_code == 404, url
            continue
        assert own.status_code == 200, (url, "own area", own.status_code)
        assert b.get(url).status_code == 404, (url, "other area")
        checked += 1

    # pages: lists of the generic views
    for page in pages():
        cls = getattr(page.view.callback, "view_class", None)
        if page.kwargs or cls is None or not issubclass(cls, ObjectListView):
            continue
        if view_model(page) is None or view_model(page)._meta.label != label:
            continue
        url = reverse(page.name)
        own, other = a.get(url, {"sort": ""}), b.get(url)
        assert own.status_code == 200 and other.status_code == 200, url
        assert obj.pk in {row.pk for row, _v in own.context["rows"]}, (url, "own area")
        assert obj.pk not in {row.pk for row, _v in other.context["rows"]}, (url, "other")
        checked += 1

    # API: one object
    for path, methods in api_operations():
        if API_OBJECTS.get(path) != label:
            continue
        url = "/api/v1" + re.sub(r"{\w+}", str(_key(obj)), path)
        if "GET" in methods:
            own = a.get(url)
            assert own.status_code == 200, (url, "own area", own.status_code, own.content[:200])
            other = b.get(url)
            checked += 1
            assert other.status_code == 404, (url, "other area", other.status_code)
            assert other.json()["error"]["code"] == "not_found"
        for method in set(methods) - {"GET"}:  # a write: B never gets through
            other = getattr(b, method.lower())(url, {}, content_type="application/json")
            # 404 for the object; 403 when the role check comes first; 422 when the body is
            # checked before the view runs (the empty body sent here)
            assert other.status_code in (403, 404, 422), (method, url, other.status_code)

    # API: lists
    for path, methods in api_operations():
        if API_LISTS.get(path) != label or "GET" not in methods:
            continue
        own, other = a.get("/api/v1" + path), b.get("/api/v1" + path)
        assert own.status_code == 200 and other.status_code == 200, path
        assert obj.pk in _ids_in(own), (path, "own area")
        assert obj.pk not in _ids_in(other), (path, "other area")
        checked += 1

    if label in NOT_ADDRESSABLE:
        assert checked == 0, f"{label} is reachable after all: remove it from NOT_ADDRESSABLE"
    else:
        assert checked, f"no page or endpoint of {label} was requested"


def test_every_paginated_api_list_is_attributed(county, two_officers):
    """A new list endpoint must say which model it lists (or why it is checked elsewhere)."""
    a = client_for(two_officers[0])
    unknown = []
    for path, methods in api_operations():
        if "GET" not in methods or path_params(path) or path in API_LISTS:
            continue
        resp = a.get("/api/v1" + path)
        body = (
            resp.json()
            if resp.headers.get("Content-Type", "").startswith("application/json")
            else None
        )
        if isinstance(body, dict) and set(body) == {"items", "count"}:
            unknown.append(path)
    assert not unknown, (
        f"These API lists are not attributed to a model: {', '.join(unknown)}. "
        "Add them to API_LISTS in tests/test_meta_scoping.py."
    )


def test_the_meta_test_fails_a_page_it_cannot_attribute():
    fake = Page("sites:quarantine_hotel_detail", ["pk"], None)
    assert page_model(fake) is None
