"""Builders for the behavioural scoping meta-test: one object of every scoped model, made in
township A (钟多街道) through the services where they exist (factories otherwise).

A new model read through ``visible_to`` needs a builder here: ``@builds("app.Model")`` on a
function ``(world) -> object`` that makes one such object in township A (``world.county``,
``world.staff`` and ``world.get("other.Model")`` for what it needs). Without one the
meta-test (tests/test_meta_scoping.py) fails and names the model.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from fangkong.core.roles import Role
from tests.factories import HouseholdFactory, PersonFactory, UserFactory, add_area

BUILDERS: dict[str, Callable[[World], Any]] = {}


def builds(label: str):
    def register(fn: Callable[[World], Any]) -> Callable[[World], Any]:
        BUILDERS[label] = fn
        return fn

    return register


class World:
    """The county fixture, the staff who do the work, and the objects built so far."""

    def __init__(self, county: Any, user_a: Any):
        self.county = county
        self.user_a = user_a  # the meta-test's user of township A
        self.staff = {
            "command": UserFactory(roles=[Role.COUNTY_COMMAND], areas=[county.county]),
            "sampler": UserFactory(roles=[Role.SAMPLER], areas=[county.town_a]),
            "lab": UserFactory(roles=[Role.LAB_TECHNICIAN], areas=[county.county]),
        }
        self.built: dict[str, Any] = {}

    def get(self, label: str) -> Any:
        if label not in self.built:
            self.built[label] = BUILDERS[label](self)
        return self.built[label]


# --- areas, people, control ------------------------------------------------------------------
@builds("areas.Area")
def _area(w: World):
    return add_area(w.county.village_a, "500242002001077", "梨园小区", "estate")


@builds("areas.Responsibility")
def _responsibility(w: World):
    from fangkong.areas.services import assign_responsibility

    return assign_responsibility(
        by=w.staff["command"], area=w.county.village_a, role="village_cadre",
        person_name="周书记", phone="13900000077", title="", floor=None, user=None,
        starts_on=None,
    )  # fmt: skip


@builds("people.Household")
def _household(w: World):
    return HouseholdFactory(area=w.county.village_a, address="桃花路77号")


@builds("people.Person")
def _person(w: World):
    return PersonFactory(area=w.county.village_a, household=w.get("people.Household"))


@builds("people.ImportJob")
def _import_job(w: World):
    from fangkong.people.models import ImportJob

    return ImportJob.objects.create(
        created_by=w.user_a, filename="persons.xlsx", mode="all", content=b""
    )


@builds("core.TimelineEvent")
def _event(w: World):
    from fangkong.core.timeline import record_event

    return record_event(w.get("people.Person"), "note", "meta-test")


@builds("control.ControlEpisode")
def _episode(w: World):
    from fangkong.control.services import start_episode

    return start_episode(w.get("people.Person"), "close_contact", by=w.staff["command"])


@builds("control.ControlPhase")
def _phase(w: World):
    return w.get("control.ControlEpisode").phases.order_by("order").first()


# --- isolation sites -------------------------------------------------------------------------
@builds("sites.IsolationSite")
def _site(w: World):
    from fangkong.sites import services
    from fangkong.sites.choices import SiteKind

    site = services.create_site(
        by=w.staff["command"],
        data=services.SiteData(
            name="桃花宾馆", kind=SiteKind.HOTEL, address="桃花路1号", area=w.county.town_a,
            manager_name="王经理", manager_phone="13800138000",
        ),
    )  # fmt: skip
    services.bulk_create_rooms(site, by=w.staff["command"], floors=1, rooms_per_floor=3, beds=1)
    return site


@builds("sites.Room")
def _room(w: World):
    return w.get("sites.IsolationSite").rooms.order_by("number").first()


@builds("sites.Stay")
def _stay(w: World):
    from fangkong.sites import services

    guest = PersonFactory(area=w.county.village_a)
    room = w.get("sites.IsolationSite").rooms.order_by("number")[1]
    return services.check_in(room, [guest], by=w.staff["command"], reason="close_contact")[0]


@builds("sites.TurnoverStep")
def _turnover_step(w: World):
    from fangkong.sites.models import TurnoverStep

    room = w.get("sites.IsolationSite").rooms.order_by("number")[2]
    now = timezone.now()
    return TurnoverStep.objects.create(
        room=room, site=room.site, step="disinfection", at=now, by=w.staff["command"],
        cycle_start=now - dt.timedelta(hours=1),
    )  # fmt: skip


# --- testing ---------------------------------------------------------------------------------
@builds("testing.TestingPoint")
def _point(w: World):
    from fangkong.testing import services

    return services.create_point(
        name="桃花核酸点", kind="fixed", area=w.county.town_a, hours="07:00-22:00",
        samplers=[w.staff["sampler"]], by=w.staff["command"],
    )  # fmt: skip


@builds("testing.ScreeningRound")
def _round(w: World):
    from fangkong.testing import services

    now = timezone.now()
    return services.create_round(
        name="第77轮", areas=[w.county.town_a], starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(days=1), by=w.staff["command"],
    )  # fmt: skip


def _lab(w: World):
    from fangkong.testing import services

    if "lab" not in w.built:
        w.built["lab"] = services.create_lab(
            name="桃花实验室", code="MT77", area=w.county.town_a,
            technicians=[w.staff["lab"]], by=w.staff["command"],
        )  # fmt: skip
    return w.built["lab"]


def _positive(w: World, barcode: str, persons: list[Any], box: str):
    """Swab ``persons`` into tube ``barcode``, box it, have the lab receive it, positive."""
    from fangkong.testing import services
    from fangkong.testing.models import Tube

    sampler, point, rnd = (
        w.staff["sampler"],
        w.get("testing.TestingPoint"),
        w.get("testing.ScreeningRound"),
    )
    for p in persons:
        res = services.sample(rnd, point, person=p, tube_barcode=barcode, by=sampler)
    tube = res.tube
    if Tube.objects.get(pk=tube.pk).state == "open":
        services.close_tube(tube, by=sampler)
    b = services.create_box(barcode=box, point=point, by=sampler)
    services.add_tube(b, barcode, by=sampler)
    services.hand_over(b, courier_name="王师傅", lab=_lab(w), by=sampler)
    services.receive_box(b, lab=_lab(w), by=w.staff["lab"])
    services.record_result(Tube.objects.get(pk=tube.pk), outcome="positive", by=w.staff["lab"])
    return Tube.objects.get(pk=tube.pk)


@builds("testing.Tube")
def _single_tube(w: World):
    """The person under control, sampled singly: positive (a case candidate)."""
    w.get("control.ControlEpisode")
    return _positive(w, "S0000077", [w.get("people.Person")], "BOX0077")


@builds("testing.Box")
def _box(w: World):
    return w.get("testing.Tube").box


@builds("testing.TubeMember")
def _member(w: World):
    return w.get("testing.Tube").members.first()


@builds("testing.Result")
def _result(w: World):
    return w.get("testing.Tube").result


@builds("testing.CaseCandidate")
def _candidate(w: World):
    from fangkong.testing.models import CaseCandidate

    return CaseCandidate.objects.get(tube=w.get("testing.Tube"))


@builds("testing.Notification")
def _notification(w: World):
    from fangkong.testing.models import Notification

    return Notification.objects.filter(tube=w.get("testing.Tube")).first() or (
        Notification.objects.filter(tube=w.get("testing.RetestTask").source_tube).first()
    )


@builds("testing.RetestTask")
def _retest(w: World):
    """A pool of two, positive: a door-to-door retest task each."""
    from fangkong.testing.models import RetestTask

    pool = [PersonFactory(area=w.county.village_a) for _ in range(2)]
    tube = _positive(w, "P0000077", pool, "BOX0078")
    return RetestTask.objects.filter(source_tube=tube).order_by("pk").first()


@builds("testing.ResultImportJob")
def _result_import(w: World):
    from fangkong.testing.models import ResultImportJob

    return ResultImportJob.objects.create(
        lab=_lab(w), created_by=w.staff["lab"], filename="results.csv", content=b""
    )


# --- command centre ---------------------------------------------------------------------------
@builds("command.Directive")
def _directive(w: World):
    from fangkong.command.services.directives import issue

    return issue(by=w.staff["command"], title="排查返乡人员", body="", areas=[w.county.town_a],
                 deadline=timezone.now() + dt.timedelta(days=1))  # fmt: skip


@builds("command.DirectiveRecipient")
def _directive_recipient(w: World):
    return w.get("command.Directive").recipients.get()


@builds("command.DailyReport")
def _daily_report(w: World):
    from fangkong.command.services.reports import build_report

    return build_report(w.county.town_a, timezone.localdate())


@builds("command.DirectiveUpdate")
def _directive_update(w: World):
    from fangkong.command.models import DirectiveUpdate
    from fangkong.command.services.directives import acknowledge

    r = w.get("command.DirectiveRecipient")
    officer = UserFactory(roles=[Role.TOWNSHIP_OFFICER], areas=[w.county.town_a])
    acknowledge(r, by=officer)
    return DirectiveUpdate.objects.get(recipient=r)
