"""Every field the API answers with is documented in its OpenAPI schema: each GET operation
is called on the demo data (by the first demo user it answers 200 to) and its JSON compared,
recursively, with the documented response properties. An undocumented field fails; so does
a GET operation this test does not know how to call."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from fangkong.areas.services.responsibilities import assign_responsibility
from fangkong.command.demo import load_demo_command
from fangkong.command.models import DailyReport, Directive, DirectiveRecipient
from fangkong.control.models import ControlEpisode
from fangkong.core.demo import DEMO_USERS
from fangkong.core.models import User
from fangkong.people.models import Household, Person
from fangkong.people.services.imports import run_import, start_import
from fangkong.policy.models import RuleSet
from fangkong.sites.models import IsolationSite, Room, Stay
from fangkong.testing.models import Box, ScreeningRound, TestingPoint, Tube, TubeMember
from fangkong.testing.services.result_imports import run_result_import, start_result_import
from fangkong.transfers.models import Plan, TransferRequest, Trip, Vehicle
from tests.core.test_demo_operations import loaded  # noqa: F401 - fixture
from tests.people.conftest import row, xlsx

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_sms")]


@pytest.fixture
def demo(request, county):
    """The demo county of the demo's own tests (``loaded``), a responsibility chain, an
    import of persons and one of lab results (each with a bad row)."""
    request.getfixturevalue("loaded")
    from fangkong.transfers.demo import load_demo_transfers

    load_demo_transfers()
    assign_responsibility(by=User.objects.get(username="county"), area=county.village_a,
                          role="village_cadre", person_name="刘书记", phone="13312345678")  # fmt: skip
    township = User.objects.get(username="township")
    sheet = xlsx([row("王五", "", county.village_a.code), row("", "", county.village_a.code)])
    run_import(start_import(by=township, filename="p.xlsx", content=sheet, mode="good").pk)
    lab_user = User.objects.get(username="lab")
    results = b"barcode,outcome,ct\nNOSUCH,negative,\n"
    job = start_result_import(by=lab_user, lab=None, filename="r.csv", content=results)
    run_result_import(job.pk)
    # a case with a contact (the cases' endpoints)
    from django.utils import timezone

    from fangkong.cases.services import register_case, register_contact

    county_user = User.objects.get(username="county")
    people = Person.objects.filter(area=county.village_a).order_by("pk")
    case = register_case(people[0], kind="confirmed", sampled_at=timezone.now(),
                         sampling_place="采样点", by=county_user)  # fmt: skip
    register_contact(case, people[1], by=county_user)
    _home_isolation(county)
    _arrivals_and_workforce()


def _arrivals_and_workforce() -> None:
    """The arrivals, checkpoints, essential workers, rosters, stock and passes of the demo,
    and a finished whitelist import (the workforce import endpoints)."""
    from fangkong.arrivals.demo import load_demo_arrivals
    from fangkong.logistics.demo import load_demo_logistics
    from fangkong.workforce.demo import load_demo_workforce
    from fangkong.workforce.models import Employer, WhitelistImport

    load_demo_workforce()
    load_demo_logistics()
    load_demo_arrivals()
    employer = Employer.objects.order_by("pk").first()
    WhitelistImport.objects.create(employer=employer, filename="名单.xlsx", status="done",
                                   created_by=User.objects.get(username="county"))  # fmt: skip


def _more_urls() -> dict[str, str]:
    from fangkong.arrivals.models import Arrival, RiskDesignation
    from fangkong.checkpoints.models import Checkpoint
    from fangkong.logistics.models import FreightPass, StockPoint
    from fangkong.workforce.models import Employer, Roster, StaffPool, WhitelistImport, Worker

    job = first_pk(WhitelistImport.objects)
    point = first_pk(StockPoint.objects)
    return {
        "/api/v1/arrivals/arrivals/{arrival_id}": (
            f"/api/v1/arrivals/arrivals/{first_pk(Arrival.objects)}"
        ),
        "/api/v1/arrivals/risk-areas/{designation_id}": (
            f"/api/v1/arrivals/risk-areas/{first_pk(RiskDesignation.objects)}"
        ),
        "/api/v1/checkpoints/checkpoints/{checkpoint_id}": (
            f"/api/v1/checkpoints/checkpoints/{first_pk(Checkpoint.objects)}"
        ),
        "/api/v1/workforce/employers/{employer_id}": (
            f"/api/v1/workforce/employers/{first_pk(Employer.objects)}"
        ),
        "/api/v1/workforce/imports/{job_id}": f"/api/v1/workforce/imports/{job}",
        "/api/v1/workforce/imports/{job_id}/errors": f"/api/v1/workforce/imports/{job}/errors",
        "/api/v1/workforce/workers/{worker_id}": (
            f"/api/v1/workforce/workers/{first_pk(Worker.objects)}"
        ),
        "/api/v1/workforce/pools/{pool_id}": f"/api/v1/workforce/pools/{first_pk(StaffPool.objects)}",
        "/api/v1/workforce/rosters/{roster_id}": (
            f"/api/v1/workforce/rosters/{first_pk(Roster.objects)}"
        ),
        "/api/v1/logistics/points/{point_id}": f"/api/v1/logistics/points/{point}",
        "/api/v1/logistics/points/{point_id}/stock": f"/api/v1/logistics/points/{point}/stock",
        "/api/v1/logistics/passes/{pass_id}": (
            f"/api/v1/logistics/passes/{first_pk(FreightPass.objects)}"
        ),
    }


def _home_isolation(county) -> None:
    """A household at home: its check, seal, personal link and a service request."""
    from fangkong.control.services import start_episode
    from fangkong.home_isolation import services as home
    from tests.factories import HouseholdFactory, PersonFactory

    village = User.objects.get(username="village")
    hh = HouseholdFactory(area=county.village_a, address="居家路1号")
    person = PersonFactory(area=county.village_a, household=hh, name="居家甲")
    start_episode(person, "left_high_risk_area", by=User.objects.get(username="county"))
    home.assess_household(person, home.Answers(own_room=True), origin="cadre", by=village)
    home.fit_seal(hh, kind="seal", number="API-1", consent=True, by=village)
    home.issue_link(person, by=village, send=False)
    home.create_request(person, kind="garbage", by=village)
    load_demo_command()  # directives to townships and a department, yesterday's report


def first_pk(qs) -> int:
    obj = qs.order_by("pk").first()
    assert obj is not None, f"no {qs.model.__name__} in the demo data"
    return obj.pk


def urls(county) -> dict[str, str]:
    """The URL that calls each GET operation of the document on the demo data."""
    from fangkong.cases.models import Case
    from fangkong.people.models import ImportJob
    from fangkong.testing.models import ResultImportJob

    rule_sets = list(RuleSet.objects.order_by("pk")[:2])
    case = first_pk(Case.objects)
    return {
        "/api/v1/cases/cases/{case_id}": f"/api/v1/cases/cases/{case}",
        "/api/v1/cases/cases/{case_id}/contacts": f"/api/v1/cases/cases/{case}/contacts",
        "/api/v1/cases/clusters/{cluster_id}/graph": f"/api/v1/cases/clusters/{case}/graph",
        "/api/v1/areas/{area_id}": f"/api/v1/areas/{county.town_a.pk}",
        "/api/v1/areas/{area_id}/children": f"/api/v1/areas/{county.town_a.pk}/children",
        "/api/v1/areas/{area_id}/chain": f"/api/v1/areas/{county.village_a.pk}/chain",
        "/api/v1/persons/{person_id}": f"/api/v1/persons/{first_pk(Person.objects)}",
        "/api/v1/households/{household_id}": f"/api/v1/households/{first_pk(Household.objects)}",
        "/api/v1/imports/{job_id}": f"/api/v1/imports/{first_pk(ImportJob.objects)}",
        "/api/v1/imports/{job_id}/errors": f"/api/v1/imports/{first_pk(ImportJob.objects)}/errors",
        "/api/v1/policy/rule-sets/{rule_set_id}": f"/api/v1/policy/rule-sets/{rule_sets[0].pk}",
        "/api/v1/policy/compare": (
            f"/api/v1/policy/compare?a={rule_sets[0].pk}&b={rule_sets[-1].pk}"
        ),
        "/api/v1/policy/rule": "/api/v1/policy/rule?reason=close_contact",
        "/api/v1/control/episodes/{episode_id}": (
            f"/api/v1/control/episodes/{first_pk(ControlEpisode.objects)}"
        ),
        "/api/v1/sites/stays/{stay_id}": f"/api/v1/sites/stays/{first_pk(Stay.objects)}",
        "/api/v1/sites/rooms/{room_id}": f"/api/v1/sites/rooms/{first_pk(Room.objects)}",
        **{
            f"/api/v1/sites/{{site_id}}{tail}": (
                f"/api/v1/sites/{first_pk(IsolationSite.objects)}{tail}"
            )
            for tail in ("", "/rooms", "/capacity", "/board", "/turnaround")
        },
        "/api/v1/testing/points/{point_id}": (
            f"/api/v1/testing/points/{first_pk(TestingPoint.objects)}"
        ),
        **{
            f"/api/v1/testing/rounds/{{round_id}}{tail}": (
                f"/api/v1/testing/rounds/{first_pk(ScreeningRound.objects)}{tail}"
            )
            for tail in ("", "/coverage", "/missing")
        },
        "/api/v1/testing/tubes/{barcode}": (
            f"/api/v1/testing/tubes/{Tube.objects.order_by('pk').first().barcode}"
        ),
        "/api/v1/testing/boxes/{barcode}": (
            f"/api/v1/testing/boxes/{Box.objects.order_by('pk').first().barcode}"
        ),
        "/api/v1/testing/results/imports/{job_id}": (
            f"/api/v1/testing/results/imports/{first_pk(ResultImportJob.objects)}"
        ),
        "/api/v1/testing/results/imports/{job_id}/errors": (
            f"/api/v1/testing/results/imports/{first_pk(ResultImportJob.objects)}/errors"
        ),
        **_home_urls(),
        **_more_urls(),
        "/api/v1/transfers/requests/{request_id}": (
            f"/api/v1/transfers/requests/{first_pk(TransferRequest.objects)}"
        ),
        "/api/v1/transfers/vehicles/{vehicle_id}": (
            f"/api/v1/transfers/vehicles/{first_pk(Vehicle.objects)}"
        ),
        "/api/v1/transfers/plans/{plan_id}": f"/api/v1/transfers/plans/{first_pk(Plan.objects)}",
        "/api/v1/transfers/plans/{plan_id}/trips": (
            f"/api/v1/transfers/plans/{first_pk(Plan.objects)}/trips"
        ),
        "/api/v1/transfers/trips/{trip_id}": f"/api/v1/transfers/trips/{first_pk(Trip.objects)}",
        "/api/v1/testing/persons/{person_id}/results": (
            f"/api/v1/testing/persons/{TubeMember.objects.order_by('pk').first().person_id}/results"
        ),
        "/api/v1/command/reports/{report_id}": (
            f"/api/v1/command/reports/{first_pk(DailyReport.objects)}"
        ),
        "/api/v1/command/directives/{directive_id}": (
            f"/api/v1/command/directives/{first_pk(Directive.objects)}"
        ),
        "/api/v1/command/recipients/{recipient_id}": (
            f"/api/v1/command/recipients/{first_pk(DirectiveRecipient.objects)}"
        ),
    }


def _home_urls() -> dict[str, str]:
    from fangkong.home_isolation.models import (
        DoorSeal,
        EligibilityAssessment,
        PortalLink,
        ServiceRequest,
    )

    base = "/api/v1/home-isolation"
    seal = DoorSeal.objects.order_by("pk").first()
    return {
        f"{base}/assessments/{{assessment_id}}": (
            f"{base}/assessments/{first_pk(EligibilityAssessment.objects)}"
        ),
        f"{base}/households/{{household_id}}": f"{base}/households/{seal.household_id}",
        f"{base}/seals/{{seal_id}}": f"{base}/seals/{seal.pk}",
        f"{base}/links/{{link_id}}": f"{base}/links/{first_pk(PortalLink.objects)}",
        f"{base}/requests/{{request_id}}": f"{base}/requests/{first_pk(ServiceRequest.objects)}",
    }


def resolve(schema: dict, doc: dict) -> dict:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = doc["components"]["schemas"][name]
    return schema


def undocumented(value: Any, schema: dict, doc: dict, where: str) -> list[str]:
    """The paths of the keys in ``value`` its ``schema`` does not document."""
    schema = resolve(schema, doc)
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        found = [undocumented(value, o, doc, where) for o in options if fits(value, o, doc)]
        return min(found, key=len) if found else []
    if "allOf" in schema:
        merged: dict[str, Any] = {"type": "object", "properties": {}}
        for part in schema["allOf"]:
            merged["properties"].update(resolve(part, doc).get("properties", {}))
        schema = merged
    if isinstance(value, dict):
        props = schema.get("properties")
        if props is None:
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict):  # a mapping: its values follow one schema
                return [
                    p for k, v in value.items() for p in undocumented(v, extra, doc, f"{where}.{k}")
                ]
            return [] if schema.get("type") == "object" else [f"{where} (an object, documented as {schema.get('type')})"]  # fmt: skip
        out = []
        for key, item in value.items():
            if key not in props:
                out.append(f"{where}.{key}")
            else:
                out += undocumented(item, props[key], doc, f"{where}.{key}")
        return out
    if isinstance(value, list) and "items" in schema:
        return [p for i, v in enumerate(value[:20]) for p in undocumented(v, schema["items"], doc, f"{where}[{i}]")]  # fmt: skip
    return []


def fits(value: Any, schema: dict, doc: dict) -> bool:
    kind = resolve(schema, doc).get("type")
    if value is None:
        return kind == "null"
    if isinstance(value, dict):
        return kind in (None, "object")
    if isinstance(value, list):
        return kind in (None, "array")
    return kind not in ("null", "object", "array")


def test_every_get_operation_answers_only_with_documented_fields(demo, county):
    doc = Client().get("/api/v1/openapi.json").json()
    clients = {name: Client() for name, _role, _where in DEMO_USERS}
    for name, client in clients.items():
        client.force_login(User.objects.get(username=name))
    known = urls(county)
    problems, called = [], 0
    for path, ops in doc["paths"].items():
        if "get" not in ops:
            continue
        if "{" in path and path not in known:
            problems.append(f"{path}: this test does not know how to call it; add it to urls()")
            continue
        url = known.get(path, path)
        schema = ops["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        for client in clients.values():  # the first user it answers 200 to
            resp = client.get(url)
            if resp.status_code == 200:
                called += 1
                problems += [f"GET {url}: {p}" for p in undocumented(resp.json(), schema, doc, "")]
                break
        else:
            problems.append(f"GET {url}: no demo user got 200")
    assert called >= 40
    assert not problems, "\n".join(problems)


def test_no_two_schemas_of_the_api_share_a_name():
    """Ninja names a schema's OpenAPI component after its class: a second class of the same
    name (another app's PhaseOut) silently replaces the first in the document, which then
    documents the wrong fields for one of them."""
    from pydantic import BaseModel

    import fangkong.api  # noqa: F401 - every router's schemas defined

    modules: dict[str, set[str]] = {}

    def walk(cls: type) -> None:
        for sub in cls.__subclasses__():
            if sub.__module__.startswith("fangkong."):
                modules.setdefault(sub.__name__, set()).add(sub.__module__)
            walk(sub)

    walk(BaseModel)
    assert "PersonOut" in modules  # the API's schemas were found
    assert {n: m for n, m in modules.items() if len(m) > 1} == {}
