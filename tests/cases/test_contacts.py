"""Contacts (密接, 次密接): registered by investigators one by one, in bulk or from a workbook;
each linked to its case and put under control under the rule in force, or linked to the
control already under way (never a second one); all or nothing when a row is wrong; those
left without control wait in the work queue."""

import datetime as dt
import io
import json

import pytest
from django.utils import timezone
from openpyxl import Workbook

from fangkong.cases import services
from fangkong.cases.models import Contact
from fangkong.cases.selectors import uncontrolled_work
from fangkong.cases.services.contact_import import import_contacts
from fangkong.control.models import ControlEpisode
from fangkong.control.rules import rule_in_force
from fangkong.control.selectors import active_episode_for
from fangkong.control.services import start_episode
from fangkong.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from fangkong.core.models import TimelineEvent
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(county, users):
    person = PersonFactory(area=county.village_a)
    return services.register_case(person, kind="confirmed", sampling_place="采样点",
                                  sampled_at=timezone.now() - dt.timedelta(hours=3),
                                  by=users["county"])  # fmt: skip


def test_a_contact_is_put_under_control_under_the_rule_in_force(case, county, users):
    person = PersonFactory(area=county.village_a)
    done = services.register_contact(case, person, by=users["township_a"])
    assert done.created and not done.linked
    episode = active_episode_for(person)
    assert episode.reason == "close_contact" and episode.rule_set_code
    assert done.contact.episode == episode and done.contact.controlled_at == episode.created_at
    assert done.contact.case == case and done.contact.area == county.village_a
    assert TimelineEvent.objects.filter(subject_id=person.pk, kind="contact_registered").exists()


def test_a_secondary_contact_is_controlled_for_its_own_reason(case, county, users):
    close = services.register_contact(case, PersonFactory(area=county.village_a),
                                      by=users["county"]).contact  # fmt: skip
    person = PersonFactory(area=county.village_a)
    done = services.register_contact(case, person, kind="secondary", via=close,
                                     by=users["county"])  # fmt: skip
    assert done.contact.via == close and done.contact.kind == "secondary"
    try:
        rule_in_force("secondary_contact", timezone.localdate(), area=person.area)
    except DomainError:  # the 20 measures identify no secondary contacts: no rule, no control
        assert active_episode_for(person) is None and done.contact.control_note
    else:
        assert active_episode_for(person).reason == "secondary_contact"


def test_someone_already_under_control_is_linked_not_duplicated(case, county, users):
    person = PersonFactory(area=county.village_a)
    episode = start_episode(person, "inbound_traveller", by=users["county"])
    done = services.register_contact(case, person, by=users["county"])
    assert done.created and done.linked and done.contact.episode == episode
    assert ControlEpisode.objects.filter(person=person).count() == 1
    again = services.register_contact(case, person, by=users["county"])
    assert not again.created and again.contact.pk == done.contact.pk  # idempotent
    assert Contact.objects.filter(person=person).count() == 1


def test_bulk_is_all_or_nothing_and_names_each_bad_row(case, county, users):
    good = [PersonFactory(area=county.village_a) for _ in range(3)]
    entries = [services.ContactEntry(person=p) for p in good]
    entries.append(services.ContactEntry(person=case.person))  # the case itself
    entries.append(services.ContactEntry(person=good[0]))  # twice
    with pytest.raises(ValidationFailed) as exc:
        services.register_contacts(case, entries, by=users["county"])
    assert set(exc.value.fields) == {"contacts.4", "contacts.5"}
    assert not Contact.objects.exists() and not ControlEpisode.objects.exists()
    done = services.register_contacts(case, entries[:3], by=users["county"])
    assert len(done) == 3 and Contact.objects.count() == 3


def test_a_person_outside_the_users_areas_is_refused(case, county, users):
    far = PersonFactory(area=county.village_b)
    with pytest.raises(ValidationFailed) as exc:
        services.register_contact(case, far, by=users["township_a"])
    assert "contacts.1" in exc.value.fields and not Contact.objects.exists()
    assert services.register_contact(case, far, by=users["county"]).created


def test_another_townships_case_does_not_exist_for_the_user(case, county, users):
    with pytest.raises(NotFound):
        services.register_contact(case, PersonFactory(area=county.village_b),
                                  by=users["township_b"])  # fmt: skip
    assert not Contact.objects.exists()


def test_roles_that_may_not_register_contacts_are_refused(case, county, users):
    person = PersonFactory(area=county.village_a)
    for who in ("village_a", "auditor", "sampler_a"):
        with pytest.raises(PermissionDenied):
            services.register_contact(case, person, by=users[who])
    assert services.register_contact(case, person, by=users["township_a"]).created


def test_a_contact_whose_control_cannot_start_waits_in_the_queue(case, county, users,
                                                                  monkeypatch):  # fmt: skip
    """When the control cannot start (no rule for the reason that day...), the contact is
    registered without it, says why, is counted in the work queue and can be put under
    control later."""
    from fangkong.cases.services import contacts as module

    def no_rule(*args, **kwargs):
        raise ValidationFailed("没有适用的管控规则", field="reason")

    person = PersonFactory(area=county.village_a)
    with monkeypatch.context() as m:
        m.setattr(module, "start_episode", no_rule)
        done = services.register_contact(case, person, by=users["county"])
    assert done.contact.episode is None and done.contact.control_note == "没有适用的管控规则"
    work = uncontrolled_work(users["township_a"], timezone.now())
    assert work.count == 1 and work.url == "/cases/contacts/uncontrolled/"
    assert uncontrolled_work(users["township_b"], timezone.now()).count == 0
    services.place_under_control(done.contact, by=users["township_a"])
    assert active_episode_for(person) is not None
    assert uncontrolled_work(users["township_a"], timezone.now()).count == 0


def test_under_control_within_24_hours_of_the_report_is_stored_with_the_control(
    case, county, users, monkeypatch
):
    """The WHO indicator's "under control within 24 h of the case's report" is decided when
    the control is set, at registration or later, and the indicator counts it."""
    from fangkong.cases import selectors
    from fangkong.cases.services import contacts as module

    by = users["county"]
    old = services.register_case(PersonFactory(area=county.village_a), kind="confirmed",
                                 sampling_place="采样点", by=by,
                                 reported_at=timezone.now() - dt.timedelta(hours=30),
                                 sampled_at=timezone.now() - dt.timedelta(hours=32))  # fmt: skip
    fresh = services.register_contact(case, PersonFactory(area=county.village_a), by=by)
    late = services.register_contact(old, PersonFactory(area=county.village_a), by=by)
    assert fresh.contact.controlled_in_time and not late.contact.controlled_in_time

    def no_rule(*args, **kwargs):
        raise ValidationFailed("没有适用的管控规则", field="reason")

    with monkeypatch.context() as m:
        m.setattr(module, "start_episode", no_rule)
        waiting = [services.register_contact(c, PersonFactory(area=county.village_a), by=by)
                   for c in (case, old)]  # fmt: skip
    assert not any(w.contact.controlled_in_time for w in waiting)  # not under control yet
    in_time = services.place_under_control(waiting[0].contact, by=by)
    too_late = services.place_under_control(waiting[1].contact, by=by)
    assert in_time.controlled_in_time and not too_late.controlled_in_time
    assert Contact.objects.get(pk=in_time.pk).controlled_in_time  # saved, not only set
    tracing = selectors.indicators(by)
    assert (tracing.contacts, tracing.controlled_in_24h) == (4, 2)


def test_the_migration_fills_the_stored_indicator_for_existing_contacts(case, county, users):
    import importlib

    from django.apps import apps

    fill = importlib.import_module("fangkong.cases.migrations.0003_contact_controlled_in_time").fill
    ok = services.register_contact(case, PersonFactory(area=county.village_a), by=users["county"])
    late = services.register_contact(case, PersonFactory(area=county.village_a),
                                     by=users["county"])  # fmt: skip
    Contact.objects.filter(pk=late.contact.pk).update(
        controlled_at=case.reported_at + dt.timedelta(hours=25)
    )
    Contact.objects.update(controlled_in_time=False)  # as the rows were before the field
    fill(apps, None)
    assert Contact.objects.get(pk=ok.contact.pk).controlled_in_time
    assert not Contact.objects.get(pk=late.contact.pk).controlled_in_time


# --- the workbook ----------------------------------------------------------------------------
def sheet(rows, headers=("姓名", "证件号码", "类型", "末次接触日期")) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["密接人员名单"])  # a title row above the header, as ledgers have
    ws.append(list(headers))
    for r in rows:
        ws.append(list(r))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_a_workbook_registers_its_contacts(case, county, users):
    a, b = PersonFactory(area=county.village_a), PersonFactory(area=county.village_a)
    content = sheet([(a.name, a.id_number, "密接", "2026-11-30"), ("", b.id_number, "次密接", "")])
    done = import_contacts(case, content, by=users["county"])
    assert [r.contact.kind for r in done] == ["close", "secondary"]
    assert done[0].contact.last_exposure == dt.date(2026, 11, 30)


def test_a_workbook_with_a_bad_row_registers_nothing(case, county, users):
    a = PersonFactory(area=county.village_a)
    content = sheet([(a.name, a.id_number, "密接", ""), ("某某", "500242199001010000", "", ""),
                     ("错名", a.id_number, "密接", ""), (a.name, a.id_number, "路人", "")])  # fmt: skip
    with pytest.raises(ValidationFailed) as exc:
        import_contacts(case, content, by=users["county"])
    assert set(exc.value.fields) == {"row 4", "row 5", "row 6"}
    assert not Contact.objects.exists()
    with pytest.raises(ValidationFailed) as exc:
        import_contacts(case, sheet([("x",)], headers=("姓名",)), by=users["county"])
    assert "file" in exc.value.fields


# --- API and pages ---------------------------------------------------------------------------
def _post(client, url, body):
    return client.post(url, json.dumps(body, default=str), content_type="application/json")


def test_the_api_registers_contacts_and_refuses_a_case_that_does_not_exist(case, county, users,
                                                                           login):  # fmt: skip
    c = login(users["county"])
    person = PersonFactory(area=county.village_a)
    r = _post(c, "/api/v1/cases/cases/999999/contacts", {"contacts": [{"person_id": person.pk}]})
    assert r.status_code == 404 and "case_id" in r.json()["error"]["fields"]
    assert not Contact.objects.exists()
    url = f"/api/v1/cases/cases/{case.pk}/contacts"
    r = _post(c, url, {"contacts": [{"person_id": person.pk, "kind": "close"}]})
    assert r.status_code == 200, r.content
    assert r.json()[0]["created"] is True and r.json()[0]["contact"]["episode_id"]
    r = _post(c, url, {"contacts": [{"person_id": person.pk}]})
    assert r.status_code == 200 and r.json()[0]["created"] is False
    listed = c.get(url).json()
    assert listed["count"] == 1 and listed["items"][0]["person_id"] == person.pk
    r = _post(c, url, {"contacts": [{"person_id": person.pk, "kind": "stranger"}]})
    assert r.status_code == 422 and "contacts.1" in r.json()["error"]["fields"]


def test_the_case_page_registers_contacts_by_id_number(case, county, users, login):
    people = [PersonFactory(area=county.village_a) for _ in range(2)]
    c = login(users["township_a"])
    r = c.post(f"/cases/{case.pk}/contacts/",
               {"id_numbers": "\n".join(p.id_number for p in people), "kind": "close"})  # fmt: skip
    assert r.status_code == 302
    page = c.get(case.get_absolute_url()).content.decode()
    assert all(p.name in page for p in people)
    r = c.post(f"/cases/{case.pk}/contacts/", {"id_numbers": "", "kind": "close"})
    assert r.status_code == 422 and Contact.objects.count() == 2
