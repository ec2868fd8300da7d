"""Case candidates (阳性待核): the command centre confirms a positive single tube as a case or
dismisses it with a reason, once: who, when and why are kept, the person's timeline and the
audit log say so, a second decision is a conflict, and of two at once one wins."""

import datetime as dt
import json
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from fangkong.cases import services
from fangkong.cases.models import CaseCandidate
from fangkong.control.selectors import active_episode_for
from fangkong.control.services import cancel_episode, start_episode
from fangkong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fangkong.core.models import AuditLog, TimelineEvent
from fangkong.core.roles import Role
from fangkong.testing import services as testing
from fangkong.testing.models import Tube
from tests.factories import PersonFactory


@pytest.fixture
def candidate(residents, swab, users, to_lab):
    """张三 of village A, under control as a close contact, sampled singly: positive."""
    start_episode(residents[0], "close_contact", by=users["county"])
    tube = swab(residents[0], "S0000001").tube
    to_lab(tube)
    testing.record_result(Tube.objects.get(pk=tube.pk), outcome="positive",
                           ct_values="ORF1ab:31.5;N:29.8", by=users["lab"])  # fmt: skip
    return CaseCandidate.objects.get(tube=tube)


@pytest.fixture
def county_b(users, make_user, county):
    """County command staff posted to township B only."""
    users["county_b"] = make_user(Role.COUNTY_COMMAND, county.town_b, username="county_b")
    return users["county_b"]


def events(person, kind):
    return TimelineEvent.objects.filter(subject_type="people.person", subject_id=person.pk,
                                        kind=kind)  # fmt: skip


# --- confirming ------------------------------------------------------------------------------
def test_confirming_keeps_who_when_and_the_note_and_the_control_under_way(candidate, users):
    episode = active_episode_for(candidate.person)
    done = services.confirm_candidate(candidate, note=" 流调确认 ", by=users["county"])
    assert done.state == "confirmed" and done.decided_by == users["county"]
    assert done.decided_at is not None and done.note == "流调确认"
    assert active_episode_for(candidate.person) == episode  # kept, not a second one
    event = events(candidate.person, "case_confirmed").get()
    assert "S0000001" in event.summary and "Stays under control" in event.summary
    assert "流调确认" in event.summary and event.data["episode"] == episode.pk
    row = AuditLog.objects.get(object_type="cases.casecandidate", object_id=str(candidate.pk))
    assert row.before["state"] == "open" and row.after["state"] == "confirmed"


def test_confirming_someone_not_under_control_starts_nothing_and_says_so(candidate, users):
    cancel_episode(active_episode_for(candidate.person), reason_text="录入错误", by=users["county"])
    services.confirm_candidate(candidate, by=users["county"])
    # no rule of the policy is for confirmed cases: the operators arrange the hospital
    assert active_episode_for(candidate.person) is None
    assert "Not under control" in events(candidate.person, "case_confirmed").get().summary


# --- dismissing ------------------------------------------------------------------------------
def test_dismissing_keeps_the_reason_and_leaves_control_alone(candidate, users):
    done = services.dismiss_candidate(candidate, reason="实验室污染", by=users["county"])
    assert done.state == "dismissed" and done.note == "实验室污染"
    assert active_episode_for(candidate.person).reason == "close_contact"
    assert "实验室污染" in events(candidate.person, "case_dismissed").get().summary


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_dismissing_needs_a_reason(candidate, users, reason):
    with pytest.raises(ValidationFailed) as exc:
        services.dismiss_candidate(candidate, reason=reason, by=users["county"])
    assert list(exc.value.fields) == ["reason"]
    assert CaseCandidate.objects.get(pk=candidate.pk).state == "open"


def test_a_note_too_long_is_refused_naming_it(candidate, users):
    with pytest.raises(ValidationFailed) as exc:
        services.confirm_candidate(candidate, note="x" * 501, by=users["county"])
    assert list(exc.value.fields) == ["note"]


# --- once, by the command centre, in its areas -----------------------------------------------
@pytest.mark.parametrize("first", ["confirm", "dismiss"])
def test_a_second_decision_is_a_conflict(candidate, users, first):
    decide = {
        "confirm": lambda: services.confirm_candidate(candidate, by=users["county"]),
        "dismiss": lambda: services.dismiss_candidate(candidate, reason="复核阴性",
                                                      by=users["county"]),
    }  # fmt: skip
    decide[first]()
    for again in decide.values():
        with pytest.raises(Conflict) as exc:
            again()
        assert exc.value.code == "decided" and "already" in str(exc.value.message)
    assert CaseCandidate.objects.get(pk=candidate.pk).state == first + "ed"
    assert AuditLog.objects.filter(object_type="cases.casecandidate").count() == 1


def test_only_the_command_centre_of_the_area_decides(candidate, users, county_b):
    for who in ("township_a", "village_a", "lab", "admin", "auditor"):
        with pytest.raises(PermissionDenied):
            services.confirm_candidate(candidate, by=users[who])
    with pytest.raises(NotFound):  # another township's candidate does not exist for them
        services.dismiss_candidate(candidate, reason="复核阴性", by=county_b)
    assert CaseCandidate.objects.get(pk=candidate.pk).state == "open"


@pytest.mark.django_db(transaction=True)
def test_two_people_deciding_at_once_one_wins(county, users):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's in-memory test database cannot hold two writers at once")
    person = PersonFactory(area=county.village_a)
    point = testing.create_point(name="点", kind="fixed", area=county.town_a,
                                  samplers=[users["sampler_a"]], by=users["county"])  # fmt: skip
    now = timezone.now()
    rnd = testing.create_round(name="轮", areas=[county.town_a], by=users["county"],
                                starts_at=now - dt.timedelta(hours=1),
                                ends_at=now + dt.timedelta(hours=1))  # fmt: skip
    start_episode(person, "close_contact", by=users["county"])
    tube = testing.sample(rnd, point, person=person, tube_barcode="S0000001",
                           by=users["sampler_a"]).tube  # fmt: skip
    lab = testing.create_lab(name="实验室", code="L1", area=county.county,
                              technicians=[users["lab"]], by=users["county"])  # fmt: skip
    box = testing.create_box(barcode="BOX0001", point=point, by=users["sampler_a"])
    testing.add_tube(box, tube.barcode, by=users["sampler_a"])
    testing.receive_box(box, lab=lab, by=users["lab"])
    testing.record_result(Tube.objects.get(pk=tube.pk), outcome="positive", by=users["lab"])
    candidate = CaseCandidate.objects.get()
    barrier = threading.Barrier(2)
    outcomes: list = []

    def decide(action):
        try:
            barrier.wait()
            if action == "confirm":
                services.confirm_candidate(candidate, by=users["county"])
            else:
                services.dismiss_candidate(candidate, reason="实验室污染", by=users["county"])
            outcomes.append("ok")
        except Conflict as exc:
            outcomes.append(str(exc.message))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=decide, args=(a,)) for a in ("confirm", "dismiss")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 1, outcomes
    assert any("already" in o for o in outcomes), outcomes
    decided = CaseCandidate.objects.get(pk=candidate.pk)
    assert decided.state in ("confirmed", "dismissed")
    assert AuditLog.objects.filter(object_type="cases.casecandidate").count() == 1
    kinds = set(
        TimelineEvent.objects.filter(kind__in=["case_confirmed", "case_dismissed"]).values_list(
            "kind", flat=True
        )
    )
    assert kinds == {"case_" + decided.state}


# --- the command-centre page -----------------------------------------------------------------
def test_the_page_lists_candidates_of_the_users_areas(candidate, access, users, login):
    access.check("/cases/candidates/", allowed=["county", "township_a", "auditor"],
                 denied_role=["sampler_a", "lab", "admin"])  # fmt: skip
    page = login(users["county"]).get("/cases/candidates/").content.decode()
    assert candidate.person.name in page and candidate.person.id_number not in page
    assert (
        "S0000001" in page and "ORF1ab 31.5" in page and 'data-testid="candidate-confirm"' in page
    )
    other_response = login(users["township_b"]).get("/cases/candidates/")
    other = other_response.content.decode()
    assert other_response.status_code == 200 and 'data-testid="candidates-open"' in other
    assert candidate.person.name not in other
    assert CaseCandidate.objects.visible_to(users["township_b"]).count() == 0
    # the township sees its candidates but the decision is the command centre's
    town = login(users["township_a"]).get("/cases/candidates/").content.decode()
    assert candidate.person.name in town and 'data-testid="candidate-confirm"' not in town


def test_the_page_shows_open_first_then_decided(candidate, residents, swab, to_lab, users, login):
    start_episode(residents[1], "close_contact", by=users["county"])
    tube = swab(residents[1], "S0000002").tube
    to_lab(tube, box="BOX0002")
    testing.record_result(Tube.objects.get(pk=tube.pk), outcome="positive", by=users["lab"])
    services.dismiss_candidate(candidate, reason="实验室污染", by=users["county"])
    page = login(users["county"]).get("/cases/candidates/").content.decode()
    assert page.index(residents[1].name) < page.index(residents[0].name)
    assert "实验室污染" in page


def _decide(client, candidate, **data):
    return client.post(f"/cases/candidates/{candidate.pk}/decide/", data, HTTP_HX_REQUEST="true")


def test_a_card_decides_in_place(candidate, users, login):
    c = login(users["county"])
    r = _decide(c, candidate, action="dismiss", reason="")
    assert b'data-testid="candidate-error"' in r.content
    r = _decide(c, candidate, action="confirm", note="流调确认")
    assert r.status_code == 200 and b'data-testid="candidate-state"' in r.content
    assert b'data-testid="candidate-confirm"' not in r.content
    assert CaseCandidate.objects.get(pk=candidate.pk).state == "confirmed"
    r = _decide(c, candidate, action="dismiss", reason="复核阴性")
    assert b'data-testid="candidate-error"' in r.content  # decided already


def test_the_decision_page_checks_role_and_area(candidate, access, county_b):
    access.check(f"/cases/candidates/{candidate.pk}/decide/", method="post",
                 data={"action": "dismiss", "reason": "复核阴性"},
                 denied_role=["township_a", "auditor"], other_area=["county_b"])  # fmt: skip
    assert CaseCandidate.objects.get(pk=candidate.pk).state == "open"


def test_the_nav_offers_candidates_to_those_who_see_results(users, login):
    assert b'href="/cases/candidates/"' in login(users["county"]).get("/").content
    sampler_home = login(users["sampler_a"]).get("/")
    assert sampler_home.status_code == 200 and b'href="/testing/retests/"' in sampler_home.content
    assert b'href="/cases/candidates/"' not in sampler_home.content


# --- the API ---------------------------------------------------------------------------------
def _api(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_the_api_confirms_once(candidate, users, login):
    c = login(users["county"])
    url = f"/api/v1/cases/candidates/{candidate.pk}"
    r = _api(c, f"{url}/confirm", {"note": "流调确认"})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["state"] == "confirmed" and body["note"] == "流调确认"
    assert body["decided_by_id"] == users["county"].pk and body["decided_at"]
    r = _api(c, f"{url}/dismiss", {"reason": "复核阴性"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "decided"


def test_the_api_names_the_bad_field(candidate, users, login):
    c = login(users["county"])
    url = f"/api/v1/cases/candidates/{candidate.pk}/dismiss"
    for body in ({}, {"reason": "  "}):
        r = _api(c, url, body)
        assert r.status_code == 422 and "reason" in r.json()["error"]["fields"], r.content
    r = _api(c, f"/api/v1/cases/candidates/{candidate.pk}/confirm", {"note": "x" * 501})
    assert r.status_code == 422 and "note" in r.json()["error"]["fields"]


def test_the_api_checks_role_and_area(candidate, access, county_b):
    body = json.dumps({"reason": "复核阴性"})
    for action in ("confirm", "dismiss"):
        access.check(f"/api/v1/cases/candidates/{candidate.pk}/{action}", method="post",
                     data=body if action == "dismiss" else "{}", api=True,
                     denied_role=["township_a", "lab", "admin"], other_area=["county_b"])  # fmt: skip
    assert CaseCandidate.objects.get(pk=candidate.pk).state == "open"


def test_the_old_testing_address_leads_to_the_cases_page(users, login):
    r = login(users["county"]).get("/testing/candidates/")
    assert r.status_code == 301 and r["Location"] == "/cases/candidates/"
    assert login(users["county"]).get(r["Location"]).status_code == 200


def test_a_positive_single_tube_tells_the_area_under_the_bell(candidate, users):
    from fangkong.core.models import Notice

    told = set(Notice.objects.filter(kind="positive").values_list("user__username", flat=True))
    assert {"county", "town_a", "village_a"} <= told and "town_b" not in told


def test_the_page_confirms_an_asymptomatic_infection(candidate, users, login):
    from fangkong.cases.models import Case

    r = _decide(login(users["county"]), candidate, action="confirm", kind="asymptomatic")
    assert r.status_code == 200 and Case.objects.get(candidate=candidate).kind == "asymptomatic"
