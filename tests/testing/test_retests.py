"""Working the door-to-door tasks: a new single tube taken at the person's door records the
task; a task is cancelled with a reason; a negative single-tube retest of a pool-positive
person ends their temporary control; the phone page lists the open tasks in walking order,
scoped to the user's areas; the API does the same."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fangkong.cases.models import CaseCandidate
from fangkong.control.models import ControlEpisode
from fangkong.control.selectors import active_episode_for
from fangkong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fangkong.core.models import AuditLog, TimelineEvent
from fangkong.core.roles import Role
from fangkong.testing import services
from fangkong.testing.models import RetestTask, ScreeningRound, Tube
from tests.factories import HouseholdFactory, PersonFactory


@pytest.fixture
def sampler_b(users, make_user, county):
    """A sampler of township B (added to the users the access checker knows)."""
    users["sampler_b"] = make_user(Role.SAMPLER, county.town_b, username="sampler_b")
    return users["sampler_b"]


@pytest.fixture
def pool_tasks(full_pool, to_lab, users):
    """Pool P0000001 of ten from village A reported positive: ten open retest tasks."""
    to_lab(full_pool)
    services.record_result(Tube.objects.get(pk=full_pool.pk), outcome="positive", by=users["lab"])
    return RetestTask.objects.filter(source_tube=full_pool).order_by("pk")


@pytest.fixture
def task(pool_tasks, residents):
    return pool_tasks.get(person=residents[0])


@pytest.fixture
def missed_task(rnd, point, county, users, residents):
    """A door-to-door task (漏采补采) for someone of village A not sampled in the round."""
    services.send_missing_to_door_to_door(rnd, area=county.village_a, by=users["county"])
    return RetestTask.objects.get(person=residents[0], reason="not_sampled")


def events(person, kind):
    return TimelineEvent.objects.filter(subject_type="people.person", subject_id=person.pk,
                                        kind=kind)  # fmt: skip


def reported(tube, outcome, users, to_lab, box):
    to_lab(tube, box=box)
    services.record_result(Tube.objects.get(pk=tube.pk), outcome=outcome, by=users["lab"])
    services.publish_results([tube], by=users["lab"])


# --- recording the sample --------------------------------------------------------------------
def test_a_retest_is_a_new_single_tube_with_the_person_alone(task, residents, users, point):
    done = services.record_retest_sample(task, tube_barcode="R0000001", by=users["sampler_a"])
    assert done.state == "sampled" and done.done_by == users["sampler_a"] and done.done_at
    tube = done.retest_tube
    assert tube.barcode == "R0000001" and tube.kind == "single" and tube.capacity == 1
    assert tube.state == "closed" and tube.point == point  # the sampler's only point
    assert [m.person for m in tube.members.all()] == [residents[0]]
    assert AuditLog.objects.filter(object_type="testing.retesttask", object_id=str(task.pk),
                                   detail="retest sampled").exists()  # fmt: skip
    assert events(residents[0], "retest_sampled").count() == 1


def test_a_pool_positive_retest_may_be_taken_after_the_round_has_ended(task, rnd, users):
    ScreeningRound.objects.filter(pk=rnd.pk).update(ends_at=timezone.now() - dt.timedelta(days=2))
    done = services.record_retest_sample(task, tube_barcode="R0000001", by=users["sampler_a"])
    assert done.state == "sampled"


def test_a_tube_barcode_used_before_is_refused_naming_the_tube(task, users):
    with pytest.raises(Conflict) as exc:
        services.record_retest_sample(task, tube_barcode="P0000001", by=users["sampler_a"])
    assert "tube" in exc.value.fields and "already used" in str(exc.value.message)
    task.refresh_from_db()
    assert task.state == "open" and task.retest_tube is None


@pytest.mark.parametrize("code", ["", "a b", "x" * 41])
def test_a_bad_barcode_is_refused_naming_the_tube(task, users, code):
    with pytest.raises(ValidationFailed) as exc:
        services.record_retest_sample(task, tube_barcode=code, by=users["sampler_a"])
    assert list(exc.value.fields) == ["tube"]


def test_a_task_done_or_cancelled_cannot_be_worked_again(pool_tasks, residents, users):
    first, second = pool_tasks[0], pool_tasks[1]
    services.record_retest_sample(first, tube_barcode="R0000001", by=users["sampler_a"])
    with pytest.raises(Conflict) as exc:  # a second tap, or a second team at the same door
        services.record_retest_sample(first, tube_barcode="R0000002", by=users["sampler_a"])
    assert exc.value.code == "task_closed"
    assert not Tube.objects.filter(barcode="R0000002").exists()
    with pytest.raises(Conflict):
        services.cancel_retest(first, reason_text="重复", by=users["township_a"])
    services.cancel_retest(second, reason_text="已转运", by=users["township_a"])
    with pytest.raises(Conflict):
        services.record_retest_sample(second, tube_barcode="R0000003", by=users["sampler_a"])


def test_only_samplers_of_the_area_record_a_retest(task, users, sampler_b):
    for who in ("township_a", "lab", "auditor"):
        with pytest.raises(PermissionDenied):
            services.record_retest_sample(task, tube_barcode="R0000001", by=users[who])
    with pytest.raises(NotFound):  # another township's task does not exist for them
        services.record_retest_sample(task, tube_barcode="R0000001", by=sampler_b)
    assert RetestTask.objects.get(pk=task.pk).state == "open"


def test_someone_serving_several_points_says_which(task, users, point, point_b):
    with pytest.raises(ValidationFailed) as exc:  # county command samples at any point
        services.record_retest_sample(task, tube_barcode="R0000001", by=users["county"])
    assert list(exc.value.fields) == ["point"]
    done = services.record_retest_sample(task, tube_barcode="R0000001", point=point,
                                         by=users["county"])  # fmt: skip
    assert done.retest_tube.point == point


def test_a_missed_person_is_sampled_singly_within_the_round(missed_task, residents, users):
    done = services.record_retest_sample(
        missed_task, tube_barcode="D0000001", by=users["sampler_a"]
    )
    assert done.retest_tube.kind == "single"
    assert active_episode_for(residents[0]) is None  # not put under control for it


def test_a_missed_person_sampled_meanwhile_is_a_repeat(missed_task, residents, swab, users):
    swab(residents[0], "P0000009")  # came to the testing point after all
    with pytest.raises(Conflict) as exc:
        services.record_retest_sample(missed_task, tube_barcode="D0000001", by=users["sampler_a"])
    assert exc.value.code == "repeat"


def test_a_missed_person_is_not_sampled_after_the_round(missed_task, rnd, users):
    ScreeningRound.objects.filter(pk=rnd.pk).update(ends_at=timezone.now() - dt.timedelta(days=2))
    with pytest.raises(ValidationFailed) as exc:
        services.record_retest_sample(missed_task, tube_barcode="D0000001", by=users["sampler_a"])
    assert list(exc.value.fields) == ["round"]


# --- cancelling ------------------------------------------------------------------------------
def test_a_task_is_cancelled_with_its_reason(task, residents, users):
    done = services.cancel_retest(task, reason_text=" 已转运至定点医院 ", by=users["township_a"])
    assert done.state == "cancelled" and done.cancel_reason == "已转运至定点医院"
    assert done.done_by == users["township_a"]
    assert "已转运至定点医院" in events(residents[0], "retest_cancelled").get().summary
    assert AuditLog.objects.filter(object_type="testing.retesttask", object_id=str(task.pk),
                                   detail__contains="已转运").exists()  # fmt: skip


def test_cancelling_needs_a_reason_the_role_and_the_area(task, users):
    for bad in ("", "   ", "x" * 201):
        with pytest.raises(ValidationFailed) as exc:
            services.cancel_retest(task, reason_text=bad, by=users["township_a"])
        assert list(exc.value.fields) == ["reason"]
    with pytest.raises(PermissionDenied):
        services.cancel_retest(task, reason_text="已转运", by=users["sampler_a"])
    with pytest.raises(NotFound):
        services.cancel_retest(task, reason_text="已转运", by=users["township_b"])
    assert RetestTask.objects.get(pk=task.pk).state == "open"


# --- the result of the retest ----------------------------------------------------------------
def test_a_negative_retest_ends_the_pool_positive_temporary_control(
    pool_tasks, residents, users, to_lab
):
    first, second = pool_tasks[0], pool_tasks[1]
    tube = services.record_retest_sample(first, tube_barcode="R0000001", by=users["sampler_a"])
    tube = tube.retest_tube
    reported(tube, "negative", users, to_lab, box="BOX0002")
    episode = ControlEpisode.objects.get(
        person=first.person, reason="pool_positive_awaiting_retest"
    )
    assert episode.status == "completed" and episode.end_date == timezone.localdate()
    assert "R0000001" in episode.phases.get().end_reason
    assert events(first.person, "control_completed").exists()
    # the others of the pool wait for their own retest
    assert active_episode_for(second.person).reason == "pool_positive_awaiting_retest"


def test_a_negative_retest_leaves_other_control_alone(full_pool, residents, users, to_lab):
    from fangkong.control.services import start_episode

    # named a close contact after the pool was swabbed, before its result
    start_episode(residents[0], "close_contact", by=users["county"])
    reported(full_pool, "positive", users, to_lab, box="BOX0001")
    task = RetestTask.objects.get(person=residents[0])
    done = services.record_retest_sample(task, tube_barcode="R0000001", by=users["sampler_a"])
    reported(done.retest_tube, "negative", users, to_lab, box="BOX0002")
    assert active_episode_for(residents[0]).reason == "close_contact"


def test_a_negative_retest_does_not_release_someone_with_an_open_case_candidate(
    task, residents, users, to_lab, swab
):
    person = residents[0]
    retest = services.record_retest_sample(task, tube_barcode="R0000001", by=users["sampler_a"])
    # meanwhile swabbed singly (people under control are) and that tube is positive
    single = swab(person, "S0000001", confirm_repeat=True).tube
    reported(single, "positive", users, to_lab, box="BOX0003")
    assert CaseCandidate.objects.filter(person=person, state="open").exists()
    reported(retest.retest_tube, "negative", users, to_lab, box="BOX0002")
    assert active_episode_for(person).reason == "pool_positive_awaiting_retest"


def test_an_old_negative_retest_does_not_end_a_later_temporary_control(
    task, residents, users, to_lab, swab
):
    from fangkong.control.services import cancel_episode

    person = residents[0]
    first = active_episode_for(person)
    old = services.record_retest_sample(task, tube_barcode="R0000001", by=users["sampler_a"])
    cancel_episode(first, by=users["county"], reason_text="录入错误")
    # a later pool of the person is positive: a new temporary control, a new task
    for p in (person, residents[10], residents[11]):
        later_pool = swab(p, "P0000002", confirm_repeat=True).tube
    services.close_tube(later_pool, by=users["sampler_a"])
    reported(later_pool, "positive", users, to_lab, box="BOX0003")
    second = active_episode_for(person)
    assert second is not None and second.pk != first.pk
    reported(old.retest_tube, "negative", users, to_lab, box="BOX0002")
    assert active_episode_for(person).pk == second.pk
    assert RetestTask.objects.get(person=person, source_tube=later_pool).episode_id == second.pk


def test_control_ends_when_the_last_retest_of_two_positive_pools_is_negative(
    full_pool, residents, users, to_lab, swab
):
    person = residents[0]
    # swabbed in a second pool before the first one's result came out
    for p in (person, residents[10], residents[11]):
        pool = swab(p, "P0000002", confirm_repeat=True).tube
    services.close_tube(pool, by=users["sampler_a"])
    reported(full_pool, "positive", users, to_lab, box="BOX0001")
    episode = active_episode_for(person)
    reported(pool, "positive", users, to_lab, box="BOX0003")  # while awaiting the first retest
    first_task = RetestTask.objects.get(person=person, source_tube=full_pool)
    second_task = RetestTask.objects.get(person=person, source_tube=pool)
    assert first_task.episode_id == second_task.episode_id == episode.pk  # one temporary control
    one = services.record_retest_sample(first_task, tube_barcode="R0000001", by=users["sampler_a"])
    reported(one.retest_tube, "negative", users, to_lab, box="BOX0004")
    assert active_episode_for(person).pk == episode.pk  # the second retest is still to come
    two = services.record_retest_sample(second_task, tube_barcode="R0000002",
                                        by=users["sampler_a"])  # fmt: skip
    reported(two.retest_tube, "negative", users, to_lab, box="BOX0005")
    assert active_episode_for(person) is None


def test_a_positive_retest_opens_a_case_candidate_and_keeps_control(task, residents, users, to_lab):
    done = services.record_retest_sample(task, tube_barcode="R0000001", by=users["sampler_a"])
    reported(done.retest_tube, "positive", users, to_lab, box="BOX0002")
    assert CaseCandidate.objects.get().person == residents[0]
    assert active_episode_for(residents[0]).reason == "pool_positive_awaiting_retest"


# --- the phone page --------------------------------------------------------------------------
def test_the_page_is_for_the_roles_that_walk_or_direct_the_list(access):
    access.check("/testing/retests/",
                 allowed=["county", "township_a", "township_b", "village_a", "sampler_a", "auditor"],
                 denied_role=["lab", "admin"])  # fmt: skip


def test_the_page_lists_only_open_tasks_of_the_users_areas(pool_tasks, residents, users, login):
    services.cancel_retest(pool_tasks[0], reason_text="已转运", by=users["township_a"])
    page = login(users["sampler_a"]).get("/testing/retests/").content.decode()
    assert page.count('data-testid="retest-row"') == 9
    assert residents[1].name in page and residents[1].id_number not in page  # masked
    assert residents[1].id_number_masked in page and residents[1].phone_masked in page
    other_response = login(users["township_b"]).get("/testing/retests/")
    other = other_response.content.decode()
    assert other_response.status_code == 200 and 'data-testid="retest-count"' in other
    assert 'data-testid="retest-row"' not in other and residents[1].name not in other
    assert RetestTask.objects.visible_to(users["township_b"]).count() == 0


def test_the_page_is_in_walking_order_and_filters(rnd, county, users, login, pool_tasks):
    second = HouseholdFactory(area=county.village_a, address="幸福路2号", floor=3)
    first = HouseholdFactory(area=county.village_a, address="幸福路1号", floor=1)
    p2 = PersonFactory(area=county.village_a, household=second, name="乙")
    p1 = PersonFactory(area=county.village_a, household=first, name="甲")
    services.send_missing_to_door_to_door(rnd, area=county.village_a, by=users["county"])
    c = login(users["sampler_a"])
    page = c.get("/testing/retests/?reason=not_sampled").content.decode()
    assert page.count('data-testid="retest-row"') == 4  # the two outside the pool, and these
    assert page.index("幸福路1号") < page.index("幸福路2号") and "floor 3" in page
    assert p1.name in page and p2.name in page
    assert c.get("/testing/retests/?reason=pool_positive").content.decode().count(
        'data-testid="retest-row"') == 10  # fmt: skip
    village_b = c.get(f"/testing/retests/?area={county.village_b.pk}").content.decode()
    assert 'class="error"' in village_b  # not one of the sampler's areas: no choice


def test_the_page_asks_a_bounded_number_of_queries(
    pool_tasks, residents, users, login, rnd, county
):
    c = login(users["sampler_a"])
    c.get("/testing/retests/")  # warm the session and caches
    with CaptureQueriesContext(connection) as ten:
        c.get("/testing/retests/")
    for _ in range(10):
        PersonFactory(area=county.village_a, household=HouseholdFactory(area=county.village_a))
    services.send_missing_to_door_to_door(rnd, area=county.village_a, by=users["county"])
    with CaptureQueriesContext(connection) as more:
        page = c.get("/testing/retests/")
    assert page.content.decode().count('data-testid="retest-row"') > 10
    assert len(more) == len(ten)


def _post(client, url, data):
    return client.post(url, data, HTTP_HX_REQUEST="true")


def test_a_row_records_the_sample_in_place(task, residents, users, login, point):
    c = login(users["sampler_a"])
    page = c.get("/testing/retests/").content.decode()
    assert f'name="point" value="{point.pk}"' in page  # the sampler's only point, preselected
    r = _post(c, f"/testing/retests/{task.pk}/sample/", {"tube": "R0000001", "point": point.pk})
    assert r.status_code == 200 and b'data-testid="retest-done"' in r.content
    assert b"R0000001" in r.content and b'data-testid="retest-row"' not in r.content
    assert RetestTask.objects.get(pk=task.pk).state == "sampled"
    r = _post(c, f"/testing/retests/{task.pk}/sample/", {"tube": "R0000002", "point": point.pk})
    assert b'data-testid="retest-error"' in r.content  # done already: said on the row


def test_a_row_shows_the_error_and_keeps_the_task(task, users, login, point):
    c = login(users["sampler_a"])
    r = _post(c, f"/testing/retests/{task.pk}/sample/", {"tube": "P0000001", "point": point.pk})
    assert b'data-testid="retest-error"' in r.content and b"already used" in r.content
    assert b'data-testid="retest-tube"' in r.content  # ready for the next scan
    assert RetestTask.objects.get(pk=task.pk).state == "open"


def test_the_row_actions_check_role_and_area(task, access, point, sampler_b):
    url = f"/testing/retests/{task.pk}/sample/"
    access.check(url, method="post", data={"tube": "R0000001"},
                 denied_role=["township_a", "lab"], other_area=["sampler_b"])  # fmt: skip
    access.check(f"/testing/retests/{task.pk}/cancel/", method="post", data={"reason": "已转运"},
                 denied_role=["sampler_a", "village_a"], other_area=["township_b"])  # fmt: skip
    assert RetestTask.objects.get(pk=task.pk).state == "open"


def test_a_row_cancels_the_task_with_a_reason(task, users, login):
    c = login(users["township_a"])
    r = _post(c, f"/testing/retests/{task.pk}/cancel/", {"reason": ""})
    assert b'data-testid="retest-error"' in r.content
    r = _post(c, f"/testing/retests/{task.pk}/cancel/", {"reason": "已住院"})
    assert b'data-testid="retest-done"' in r.content
    assert RetestTask.objects.get(pk=task.pk).cancel_reason == "已住院"


def test_the_nav_offers_the_list_to_samplers_not_to_the_lab(users, login):
    assert b'href="/testing/retests/"' in login(users["sampler_a"]).get("/").content
    lab_home = login(users["lab"]).get("/")
    assert lab_home.status_code == 200 and b'href="/testing/"' in lab_home.content
    assert b'href="/testing/retests/"' not in lab_home.content


# --- the API ---------------------------------------------------------------------------------
def _api(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_the_api_records_a_retest_sample(task, users, login, point):
    c = login(users["sampler_a"])
    r = _api(c, f"/api/v1/testing/retests/{task.pk}/sample", {"tube": "R0000001"})
    assert r.status_code == 200, r.content
    assert r.json()["state"] == "sampled" and r.json()["retest_tube"] == "R0000001"
    r = _api(c, f"/api/v1/testing/retests/{task.pk}/sample", {"tube": "R0000002"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "task_closed"


def test_the_api_names_the_bad_field(pool_tasks, users, login, point_b):
    c = login(users["sampler_a"])
    url = f"/api/v1/testing/retests/{pool_tasks[0].pk}/sample"
    r = _api(c, url, {"tube": "P0000001"})
    assert r.status_code == 409 and "tube" in r.json()["error"]["fields"]
    r = _api(c, url, {})
    assert r.status_code == 422 and "tube" in r.json()["error"]["fields"]
    r = _api(c, url, {"tube": "R0000001", "point_id": point_b.pk})  # not a point of theirs
    assert r.status_code == 404 and "point_id" in r.json()["error"]["fields"]
    r = _api(c, f"/api/v1/testing/retests/{pool_tasks[1].pk}/cancel", {"reason": ""})
    assert r.status_code == 403  # samplers do not cancel
    r = _api(login(users["township_a"]), f"/api/v1/testing/retests/{pool_tasks[1].pk}/cancel",
             {"reason": " "})  # fmt: skip
    assert r.status_code == 422 and "reason" in r.json()["error"]["fields"]


def test_the_api_checks_role_and_area(task, access, sampler_b):
    body = json.dumps({"tube": "R0000001"})
    access.check(f"/api/v1/testing/retests/{task.pk}/sample", method="post", data=body, api=True,
                 denied_role=["township_a", "lab"], other_area=["sampler_b"])  # fmt: skip
    body = json.dumps({"reason": "已转运"})
    access.check(f"/api/v1/testing/retests/{task.pk}/cancel", method="post", data=body, api=True,
                 denied_role=["sampler_a"], other_area=["township_b"])  # fmt: skip
    assert RetestTask.objects.get(pk=task.pk).state == "open"


def test_the_api_cancels_and_lists_with_filters(pool_tasks, users, login, county):
    c = login(users["township_a"])
    r = _api(c, f"/api/v1/testing/retests/{pool_tasks[0].pk}/cancel", {"reason": "已转运"})
    assert r.status_code == 200 and r.json()["cancel_reason"] == "已转运"
    assert c.get("/api/v1/testing/retests").json()["count"] == 9
    assert c.get("/api/v1/testing/retests?state=cancelled").json()["count"] == 1
    assert c.get("/api/v1/testing/retests?reason=not_sampled").json()["count"] == 0
    assert c.get(f"/api/v1/testing/retests?area={county.village_a.pk}").json()["count"] == 9
    r = c.get(f"/api/v1/testing/retests?area={county.village_b.pk}")  # not theirs: no choice
    assert r.status_code == 422 and "area" in r.json()["error"]["fields"]
