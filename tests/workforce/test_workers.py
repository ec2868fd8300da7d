"""Essential workers: each one a person of the registry (deduplicated on the ID), the ID
checked, one employer's whitelist at a time, an employer's account limited to its own
workers, and the closed loop whose leaving starts the rule's monitoring."""

from __future__ import annotations

import pytest
from django.utils import timezone

from fangkong.control.models import ControlEpisode
from fangkong.core.errors import (
    Conflict,
    IllegalTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from fangkong.people.models import Person
from fangkong.policy.choices import Reason
from fangkong.workforce import services
from fangkong.workforce.choices import LOOP_TRANSITIONS, ROSTER_TRANSITIONS, LoopState, RosterStatus
from fangkong.workforce.models import Roster, StaffPool, Worker
from fangkong.workforce.states import LoopMachine, RosterMachine
from tests.factories import PersonFactory
from tests.state_walk import walk
from tests.workforce.conftest import bad_check, valid_id

pytestmark = pytest.mark.django_db


def test_a_worker_is_a_person_of_the_registry_deduplicated_on_the_id(employers, users, county):
    known = PersonFactory(area=county.village_a)
    w, created = services.add_worker(employers["a"], by=users["county"], name=known.name,
                                     id_number=known.id_number, post="快递员")  # fmt: skip
    assert created and w.person_id == known.pk
    again, created_again = services.add_worker(employers["a"], by=users["county"],
                                               name=known.name, id_number=known.id_number)  # fmt: skip
    assert again.pk == w.pk and not created_again
    new, created = services.add_worker(employers["a"], by=users["county"], name="王五",
                                       id_number=valid_id())  # fmt: skip
    assert created and new.person.area == county.town_a and new.person.name == "王五"
    assert Person.objects.filter(name="王五").count() == 1


def test_a_worker_whose_id_fails_the_check_is_refused_and_nothing_is_written(employers, users):
    persons, workers = Person.objects.count(), Worker.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        services.add_worker(employers["a"], by=users["county"], name="赵六",
                            id_number=bad_check(valid_id()))  # fmt: skip
    assert "id_number" in exc.value.fields and "check character" in str(exc.value.fields)
    assert (Person.objects.count(), Worker.objects.count()) == (persons, workers)
    ok, _ = services.add_worker(
        employers["a"], by=users["county"], name="赵六", id_number=valid_id()
    )
    assert ok.pk


def test_a_person_is_on_one_employers_whitelist_at_a_time(employers, users):
    number = valid_id()
    services.add_worker(employers["a"], by=users["county"], name="钱七", id_number=number)
    with pytest.raises(Conflict) as exc:
        services.add_worker(employers["b"], by=users["county"], name="钱七", id_number=number)
    assert "id_number" in exc.value.fields
    assert Worker.objects.filter(employer=employers["b"]).count() == 0


def test_an_employers_account_sees_and_keeps_only_its_own_workers(employers, employer_users, users):
    mine, _ = services.add_worker(employers["a"], by=employer_users["a"], name="孙八",
                                  id_number=valid_id())  # fmt: skip
    theirs, _ = services.add_worker(employers["b"], by=users["county"], name="周九",
                                    id_number=valid_id())  # fmt: skip
    seen = set(Worker.objects.visible_to(employer_users["a"]).values_list("pk", flat=True))
    assert mine.pk in seen and theirs.pk not in seen
    with pytest.raises(NotFound):  # uploading to another employer: refused, as not found
        services.add_worker(
            employers["b"], by=employer_users["a"], name="吴十", id_number=valid_id()
        )
    assert not Worker.objects.filter(person__name="吴十").exists()


def test_wrong_area_and_wrong_role_are_refused(employers, users):
    with pytest.raises(NotFound):
        services.add_worker(
            employers["a"], by=users["township_b"], name="郑一", id_number=valid_id()
        )
    with pytest.raises(PermissionDenied):
        services.add_worker(
            employers["a"], by=users["sampler_a"], name="郑一", id_number=valid_id()
        )
    w, _ = services.add_worker(
        employers["a"], by=users["township_a"], name="郑一", id_number=valid_id()
    )
    assert w.employer == employers["a"]


def test_leaving_the_loop_starts_the_rules_monitoring(employers, users):
    w, _ = services.add_worker(employers["a"], by=users["county"], name="冯二", id_number=valid_id(),
                               in_loop=True, loop_place="钟多隔离酒店")  # fmt: skip
    assert w.loop_state == LoopState.IN_LOOP and w.loop_since is not None
    services.leave_loop(w, by=users["township_a"])
    w.refresh_from_db()
    assert w.loop_state == LoopState.LEFT
    episode = ControlEpisode.objects.get(person=w.person)
    assert episode.reason == Reason.CLOSED_LOOP_WORKER_LEAVING_POST
    phases = episode.rule_snapshot["phases"]
    assert [(p["days"], p["test_days"]) for p in phases] == [(5, [1, 3, 5])]
    assert episode.start_date == timezone.localdate()


def test_leaving_twice_is_the_machines_refusal_and_starts_nothing_more(employers, users):
    w, _ = services.add_worker(
        employers["a"], by=users["county"], name="陈三", id_number=valid_id()
    )
    with pytest.raises(IllegalTransition):  # not in a loop: nothing to leave
        services.leave_loop(w, by=users["county"])
    assert not ControlEpisode.objects.filter(person=w.person).exists()
    services.enter_loop(w, by=users["county"], place="定点医院")
    services.leave_loop(w, by=users["county"])
    assert ControlEpisode.objects.filter(person=w.person).count() == 1


def test_an_employer_cannot_close_the_loop_a_control_decision(employers, employer_users, users):
    w, _ = services.add_worker(employers["a"], by=users["county"], name="褚四", id_number=valid_id(),
                               in_loop=True, loop_place="隔离点")  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.leave_loop(w, by=employer_users["a"])
    w.refresh_from_db()
    assert w.loop_state == LoopState.IN_LOOP


def test_a_worker_in_the_loop_is_not_removed_before_leaving(employers, users):
    w, _ = services.add_worker(employers["a"], by=users["county"], name="卫五", id_number=valid_id(),
                               in_loop=True, loop_place="隔离点")  # fmt: skip
    with pytest.raises(Conflict):
        services.remove_worker(w, by=users["county"], reason="离职")
    services.leave_loop(w, by=users["county"])
    assert services.remove_worker(w, by=users["county"], reason="离职").active is False


def test_the_loop_machine_walks_its_table(employers, users):
    def make(state):
        w, _ = services.add_worker(
            employers["a"], by=users["county"], name="蒋六", id_number=valid_id()
        )
        Worker.objects.filter(pk=w.pk).update(loop_state=state)
        w.refresh_from_db()
        return w

    assert LoopMachine.table == {k: set(v) for k, v in LOOP_TRANSITIONS.items()}
    walk(LoopMachine, make, by=users["county"])


def test_the_roster_machine_walks_its_table(county, users):
    pool = StaffPool.objects.create(name="卡口专班", kind="checkpoint", area=county.town_a)

    def make(status):
        return Roster.objects.create(
            pool=pool, start_date=timezone.localdate(), days=7, status=status
        )

    assert RosterMachine.table == {k: set(v) for k, v in ROSTER_TRANSITIONS.items()}
    assert RosterStatus.DRAFT in RosterMachine.sources(RosterStatus.PUBLISHED)
    walk(RosterMachine, make, by=users["county"])


def test_a_sectors_test_frequency_is_policy_data(courier, high_risk, users):
    assert (courier.test_interval_days, high_risk.test_interval_days) == (3, 1)
    services.set_sector_interval(courier, by=users["county"], days=2)
    courier.refresh_from_db()
    assert courier.test_interval_days == 2
    with pytest.raises(ValidationFailed):
        services.set_sector_interval(courier, by=users["county"], days=0)
    with pytest.raises(PermissionDenied):
        services.set_sector_interval(courier, by=users["township_a"], days=4)
