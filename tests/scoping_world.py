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


@builds("people.DuplicateCandidate")
def _duplicate_candidate(w: World):
    from fangkong.people.models import DuplicateCandidate

    twin = PersonFactory(area=w.county.village_a, name="重复者", birth_date=dt.date(1980, 1, 1),
                         id_number="")  # fmt: skip
    PersonFactory(area=w.county.village_a, name="重复者", birth_date=dt.date(1980, 1, 1),
                  id_number="")  # fmt: skip
    return DuplicateCandidate.objects.get(person=twin)


@builds("people.NameFragment")
def _name_fragment(w: World):
    from fangkong.people.models import NameFragment

    person = PersonFactory(area=w.county.village_a, name="索引者")
    return NameFragment.objects.filter(person=person).first()


@builds("people.ImportJob")
def _import_job(w: World):
    from fangkong.people.models import ImportJob

    return ImportJob.objects.create(
        created_by=w.user_a, filename="persons.xlsx", mode="all", content=b""
    )


@builds("core.ExportJob")
def _export_job(w: World):
    from fangkong.core.models import ExportJob

    return ExportJob.objects.create(
        created_by=w.user_a, key="k", title="Persons", filename="persons.xlsx",
        path="/people/persons/", permission="person.export", scope=list(w.user_a.area_paths),
    )  # fmt: skip


@builds("arrivals.LedgerImport")
def _ledger_import(w: World):
    from fangkong.arrivals.models import LedgerImport

    return LedgerImport.objects.create(
        created_by=w.user_a, filename="away.xlsx", kind=LedgerImport.Kind.AWAY, content=b""
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


@builds("cases.CaseCandidate")
def _candidate(w: World):
    from fangkong.cases.models import CaseCandidate

    return CaseCandidate.objects.get(tube=w.get("testing.Tube"))


@builds("cases.Case")
def _case(w: World):
    from fangkong.cases.services import register_case

    person = PersonFactory(area=w.county.village_a)
    return register_case(person, kind="confirmed", sampled_at=timezone.now(),
                         sampling_place="钟多街道采样点", by=w.staff["command"])  # fmt: skip


@builds("cases.Contact")
def _contact(w: World):
    from fangkong.cases.services import register_contact

    person = PersonFactory(area=w.county.village_a)
    return register_contact(w.get("cases.Case"), person, by=w.staff["command"]).contact


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


# --- essential workers and rosters (workforce) ------------------------------------------------
@builds("workforce.Employer")
def _employer(w: World):
    from fangkong.workforce import services
    from fangkong.workforce.models import Sector

    return services.create_employer(by=w.staff["command"], data=services.EmployerData(
        name="钟多快递站", code="91500242MA5U0000X7", sector=Sector.objects.get(code="courier"),
        area=w.county.town_a))  # fmt: skip


@builds("workforce.Worker")
def _worker(w: World):
    from fangkong.workforce import services

    person = w.get("people.Person")
    return services.add_worker(w.get("workforce.Employer"), by=w.staff["command"],
                               name=person.name, id_number=person.id_number)[0]  # fmt: skip


@builds("workforce.WhitelistImport")
def _whitelist(w: World):
    from fangkong.workforce.models import WhitelistImport

    return WhitelistImport.objects.create(employer=w.get("workforce.Employer"), created_by=w.user_a,
                                          filename="白名单.xlsx", mode="all", content=b"")  # fmt: skip


@builds("workforce.StaffPool")
def _pool(w: World):
    from fangkong.workforce import services

    pool = services.create_pool(by=w.staff["command"], name="钟多卡口专班", kind="checkpoint",
                                area=w.county.town_a)  # fmt: skip
    services.add_post(pool, by=w.staff["command"], name="一号卡口",
                      shifts=[{"name": "白", "start": "08:00", "hours": 12, "needed": 1}])  # fmt: skip
    for i in range(2):
        services.add_member(pool, by=w.staff["command"], name=f"队员{i}")
    return pool


@builds("workforce.StaffMember")
def _member(w: World):
    return w.get("workforce.StaffPool").members.first()


@builds("workforce.Post")
def _post(w: World):
    return w.get("workforce.StaffPool").posts.first()


@builds("workforce.Roster")
def _roster(w: World):
    from fangkong.workforce import services

    return services.solve_roster(w.get("workforce.StaffPool"), by=w.staff["command"],
                                 start=timezone.localdate(), days=2, seconds=2)  # fmt: skip


@builds("workforce.Assignment")
def _assignment(w: World):
    return w.get("workforce.Roster").assignments.first()


@builds("workforce.Absence")
def _absence(w: World):
    from fangkong.workforce import services

    return services.record_absence(w.get("workforce.StaffMember"), by=w.staff["command"],
                                   day=timezone.localdate(), kind="sick")  # fmt: skip


# --- supplies and freight passes (logistics) ---------------------------------------------------
@builds("logistics.StockPoint")
def _stock_point(w: World):
    from fangkong.logistics import services

    return services.create_point(by=w.staff["command"], name="钟多库房", kind="site",
                                 area=w.county.town_a)  # fmt: skip


@builds("logistics.StockMovement")
def _movement(w: World):
    from fangkong.logistics import services
    from fangkong.logistics.models import SupplyItem

    return services.receive(w.get("logistics.StockPoint"), SupplyItem.objects.get(code="n95"), 100,
                            by=w.staff["command"])  # fmt: skip


@builds("logistics.Stock")
def _stock(w: World):
    return w.get("logistics.StockMovement").point.stock.first()


@builds("logistics.FreightPass")
def _freight_pass(w: World):
    from fangkong.logistics import services

    today = timezone.localdate()
    fp = services.apply(by=w.staff["command"], data=services.PassApplication(
        area=w.county.town_a, applicant_name="钟多超市", applicant_role="receiver",
        applicant_phone="13800138000", goods_class="daily_needs", goods="蔬菜", plate="渝A77777",
        origin="重庆市秀山县", destination="重庆市酉阳县", valid_from=today, valid_to=today,
        crew=[services.CrewData("刘师傅", w.get("people.Person").id_number, "13900139000",
                                timezone.now() - dt.timedelta(hours=2))]))  # fmt: skip
    return services.approve(fp, by=w.staff["command"])


@builds("logistics.CrewMember")
def _crew(w: World):
    return w.get("logistics.FreightPass").crew.first()


@builds("logistics.PassCheck")
def _pass_check(w: World):
    from fangkong.logistics import services
    from fangkong.logistics.models import PassCheck

    services.verify_freight_pass(w.get("logistics.FreightPass").number, area=w.county.town_a)
    return PassCheck.objects.latest("pk")


# --- arrivals and checkpoints ----------------------------------------------------------------
@builds("arrivals.Arrival")
def _arrival(w: World):
    from fangkong.arrivals import services

    return services.preregister(services.ArrivalData(
        name="赵六", id_number="513101198201130014", phone="13800138000",
        origin_province="北京市", arrival_date=timezone.localdate(),
        area_id=w.county.village_a.pk, address="桃花路9号",
    ))[0]  # fmt: skip


@builds("arrivals.ResidentAway")
def _away(w: World):
    from fangkong.arrivals import services

    return services.record_away(services.AwayData(
        name="钱七", id_number="360426199101010071", area_id=w.county.village_a.pk,
        whereabouts_province="广东省",
    ), by=w.staff["command"])[0]  # fmt: skip


@builds("arrivals.RiskDesignation")
def _designation(w: World):
    from fangkong.arrivals import services

    return services.designate(area=w.county.village_a, level="high",
                              starts_on=timezone.localdate(), by=w.staff["command"])  # fmt: skip


@builds("checkpoints.Checkpoint")
def _checkpoint(w: World):
    from fangkong.checkpoints import services

    return services.create_checkpoint(services.CheckpointData(
        name="G65出口", area=w.county.town_a, location="包茂高速酉阳出口"), by=w.staff["command"])  # fmt: skip


def _upload(w: World):
    import uuid

    from fangkong.checkpoints import services

    cp = w.get("checkpoints.Checkpoint")
    services.upload_batch(cp, by=w.staff["command"], vehicles=[{
        "client_uuid": str(uuid.uuid4()), "checked_at": timezone.now().isoformat(),
        "plate": "渝A12345", "kind": "car", "persons": [{
            "client_uuid": str(uuid.uuid4()), "name": "孙八", "id_number": "11010519491231002X",
            "phone": "13800138001", "driver": True, "origin_province": "四川省",
            "code_colour": "green", "test_48h": True, "temperature": "36.5",
        }],
    }])  # fmt: skip


@builds("checkpoints.VehicleCheck")
def _vehicle(w: World):
    from fangkong.checkpoints.models import VehicleCheck

    _upload(w)
    return VehicleCheck.objects.latest("pk")


@builds("checkpoints.PersonCheck")
def _person_check(w: World):
    from fangkong.checkpoints.models import PersonCheck

    if not PersonCheck.objects.exists():
        _upload(w)
    return PersonCheck.objects.latest("pk")


@builds("checkpoints.Shift")
def _shift(w: World):
    from fangkong.checkpoints.models import Shift

    cp = w.get("checkpoints.Checkpoint")
    return Shift.objects.create(checkpoint=cp, user=w.staff["command"], starts_at=timezone.now())


# --- home isolation -------------------------------------------------------------------------
def _home_person(w: World):
    """A person of village A under home isolation (left a high-risk area), own household."""
    if "_home_person" not in w.built:
        from fangkong.control.services import start_episode

        hh = HouseholdFactory(area=w.county.village_a, address="桃花路78号")
        p = PersonFactory(area=w.county.village_a, household=hh, phone="13800000078")
        start_episode(p, "left_high_risk_area", by=w.staff["command"])
        w.built["_home_person"] = p
    return w.built["_home_person"]


@builds("home_isolation.EligibilityAssessment")
def _assessment(w: World):
    from fangkong.home_isolation.services import Answers, assess_household

    return assess_household(_home_person(w), Answers(), origin="cadre", by=w.staff["command"])


@builds("home_isolation.PendingCheck")
def _pending_check(w: World):
    # what the release gate leaves for the village (tests/sites/test_release_home_gate.py)
    from fangkong.home_isolation.models import PendingCheck

    p = _home_person(w)
    return PendingCheck.objects.create(person=p, household=p.household, area=p.area,
                                       origin="release")  # fmt: skip


@builds("home_isolation.DoorSeal")
def _seal(w: World):
    from fangkong.home_isolation.services import fit_seal

    p = _home_person(w)
    return fit_seal(
        p.household, kind="sensor", number="MC-078", consent=True, by=w.staff["command"]
    )


@builds("home_isolation.PortalLink")
def _portal_link(w: World):
    from fangkong.home_isolation.services import issue_link

    return issue_link(_home_person(w), by=w.staff["command"], send=False).link


@builds("home_isolation.HealthReport")
def _health_report(w: World):
    from fangkong.home_isolation.services import resolve, submit_report
    from fangkong.home_isolation.services.portal import issue_link

    token = issue_link(_home_person(w), by=w.staff["command"], send=False).token
    return submit_report(resolve(token), temperature="38.6", symptoms=["cough"])


@builds("home_isolation.HomeAlert")
def _home_alert(w: World):
    from fangkong.home_isolation.models import HomeAlert

    return HomeAlert.objects.get(report=w.get("home_isolation.HealthReport"))


@builds("home_isolation.ServiceRequest")
def _service_request(w: World):
    from fangkong.home_isolation.services import create_request

    return create_request(_home_person(w), kind="groceries", by=w.staff["command"])


@builds("home_isolation.ReportReminder")
def _reminder(w: World):
    from fangkong.home_isolation.services import send_reminders

    send_reminders([_home_person(w)], day=timezone.localdate(), window="morning",
                   by=w.staff["command"])  # fmt: skip
    from fangkong.home_isolation.models import ReportReminder

    return ReportReminder.objects.get()


@builds("home_isolation.HomeTest")
def _home_test(w: World):
    from fangkong.home_isolation.models import HomeTest
    from fangkong.home_isolation.services import schedule_home_tests

    _home_person(w)
    schedule_home_tests(timezone.localdate())
    return HomeTest.objects.order_by("pk").first()


@builds("home_isolation.CloseReview")
def _close_review(w: World):
    from fangkong.control.models import ControlPhase
    from fangkong.home_isolation.models import CloseReview
    from fangkong.home_isolation.services import close_due_phases

    p = _home_person(w)
    ControlPhase.objects.filter(episode__person=p).update(planned_end_date=timezone.localdate())
    close_due_phases(timezone.localdate())
    return CloseReview.objects.get(person=p)


# --- transfers -------------------------------------------------------------------------------
@builds("transfers.Depot")
def _depot(w: World):
    from fangkong.transfers import services

    return services.create_depot(
        name="钟多转运点", area=w.county.town_a, lat=28.84, lon=108.77, by=w.staff["command"]
    )


@builds("transfers.Hospital")
def _hospital(w: World):
    from fangkong.transfers.models import Hospital

    return Hospital.objects.create(name="县人民医院", area=w.county.town_a, lat=28.85, lon=108.78)


@builds("transfers.Vehicle")
def _vehicle(w: World):
    from fangkong.transfers import services

    return services.create_vehicle(
        plate="渝H77777", kind="van", seats=7, depot=w.get("transfers.Depot"),
        by=w.staff["command"],
    )  # fmt: skip


@builds("transfers.CrewMember")
def _crew(w: World):
    from fangkong.transfers.models import CrewMember

    return CrewMember.objects.create(
        name="刘师傅", role="driver", phone="13900000078", depot=w.get("transfers.Depot")
    )


@builds("transfers.TransferRequest")
def _transfer_request(w: World):
    from fangkong.transfers import services

    area = w.county.village_a
    area.lat, area.lon = 28.86, 108.80
    area.save(update_fields=["lat", "lon"])
    person = PersonFactory(area=area)
    return services.request_transfer([person], "close_contact", by=w.staff["command"])


@builds("transfers.TransferPerson")
def _transfer_person(w: World):
    return w.get("transfers.TransferRequest").members.first()


@builds("transfers.Plan")
def _plan(w: World):
    from fangkong.transfers.choices import PlanStatus
    from fangkong.transfers.models import Plan

    return Plan.objects.create(
        area=w.county.town_a, status=PlanStatus.PROPOSED, start_at=timezone.now()
    )


@builds("transfers.Trip")
def _trip(w: World):
    from fangkong.transfers.models import Trip

    now = timezone.now()
    return Trip.objects.create(
        plan=w.get("transfers.Plan"), area=w.county.town_a, vehicle=w.get("transfers.Vehicle"),
        start_at=now, end_at=now + dt.timedelta(hours=1),
    )  # fmt: skip


@builds("transfers.Stop")
def _stop(w: World):
    from fangkong.transfers.models import Stop

    return Stop.objects.create(
        trip=w.get("transfers.Trip"), seq=1, request=w.get("transfers.TransferRequest"),
        eta=timezone.now(), persons=1,
    )  # fmt: skip


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
