"""The change log: every service write with before/after (personal data masked, no password
hashes), reveals and exports too; append-only from the application and in the database; an
auditor's page to filter it; each row carries the id of the request that wrote it."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from fangkong.core import audit
from fangkong.core.models import AuditLog, User
from fangkong.core.roles import Role
from fangkong.core.services import users as user_services
from fangkong.people.models import Person

pytestmark = pytest.mark.django_db

STRONG = "Quiet-river-2048"


@pytest.fixture
def new_user(users, county):
    return user_services.create_user(
        by=users["admin"],
        username="newbie",
        password=STRONG,
        roles=[Role.TOWNSHIP_OFFICER],
        areas=[county.town_a],
        display_name="新人",
        phone="13900000000",
    )


def test_service_create_writes_a_row_with_the_new_state(users, new_user):
    row = AuditLog.objects.get(action="create", object_type="core.user", object_id=str(new_user.pk))
    assert row.actor == users["admin"]
    assert row.actor_name == "admin"
    assert row.before is None
    assert row.after["username"] == "newbie"
    assert row.after["roles"] == [Role.TOWNSHIP_OFFICER]
    assert row.after["areas"] == ["500242002"]


def test_audit_rows_never_hold_a_password_hash(new_user):
    user_services.reset_password(
        new_user, by=User.objects.get(username="admin"), password="Another-river-4096"
    )
    dumped = json.dumps(list(AuditLog.objects.values("before", "after", "detail")), default=str)
    assert "password" not in dumped.replace("password reset", "")
    assert new_user.password not in dumped
    assert "md5$" not in dumped and "pbkdf2" not in dumped


def test_update_records_only_the_changed_fields(users, county, new_user):
    user_services.update_user(
        new_user,
        by=users["admin"],
        roles=[Role.TOWNSHIP_OFFICER],
        areas=[county.town_a],
        display_name="新名字",
        phone="13900000000",
        is_active=True,
    )
    row = AuditLog.objects.get(action="update", object_id=str(new_user.pk))
    assert row.before == {"display_name": "新人"}
    assert row.after == {"display_name": "新名字"}


def test_update_of_roles_and_areas_is_recorded(users, county, new_user):
    user_services.update_user(
        new_user,
        by=users["admin"],
        roles=[Role.VILLAGE_CADRE, Role.SAMPLER],
        areas=[county.village_a],
        display_name="新人",
        phone="13900000000",
        is_active=True,
    )
    row = AuditLog.objects.get(action="update", object_id=str(new_user.pk))
    assert row.before == {"roles": [Role.TOWNSHIP_OFFICER], "areas": ["500242002"]}
    assert row.after == {"roles": [Role.SAMPLER, Role.VILLAGE_CADRE], "areas": ["500242002001"]}


def test_person_create_row_masks_personal_data(users, api, token_for, county):
    response = api.post(
        "/api/v1/persons",
        token_for(users["township_a"]),
        {
            "area_id": county.village_a.pk,
            "name": "张三丰",
            "id_number": "11010519491231002X",
            "phone": "13812345678",
        },
    )
    assert response.status_code == 201, response.content
    person = Person.objects.get(name="张三丰")
    row = AuditLog.objects.get(
        action="create", object_type="people.person", object_id=str(person.pk)
    )
    assert row.actor == users["township_a"]
    assert row.after["id_number"] == "110105************"
    assert row.after["phone"] == "138****5678"
    dumped = json.dumps(row.after)
    assert "11010519491231002X" not in dumped and "13812345678" not in dumped
    assert "id_number_index" not in row.after and "phone_index" not in row.after


def test_snapshot_masks_personal_data_and_leaves_out_blind_indexes(person_a):
    snap = audit.snapshot(person_a)
    assert snap["id_number"] == person_a.id_number_masked
    assert snap["phone"] == person_a.phone_masked
    assert "id_number_index" not in snap


# --- append-only -----------------------------------------------------------------------------
@pytest.fixture
def entry(users):
    return audit.record(audit.Action.LOGIN, users["county"], by=users["county"])


def test_application_refuses_to_change_an_audit_row(entry):
    entry.detail = "rewritten"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        AuditLog.objects.filter(pk=entry.pk).update(detail="rewritten")
    assert AuditLog.objects.get(pk=entry.pk).detail == ""


def test_application_refuses_to_delete_an_audit_row(entry):
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditLog.objects.filter(pk=entry.pk).delete()
    with pytest.raises(PermissionError):
        AuditLog.objects.all().delete()
    assert AuditLog.objects.filter(pk=entry.pk).exists()


def test_database_refuses_raw_update_of_an_audit_row(entry):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        cur.execute("UPDATE core_auditlog SET detail = 'x' WHERE id = %s", [entry.pk])
    assert AuditLog.objects.get(pk=entry.pk).detail == ""


def test_database_refuses_raw_delete_of_an_audit_row(entry):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        cur.execute("DELETE FROM core_auditlog WHERE id = %s", [entry.pk])
    assert AuditLog.objects.filter(pk=entry.pk).exists()


def test_database_accepts_raw_insert_into_the_audit_log(users):
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO core_auditlog (at, actor_name, action, object_type, object_id, "
            "object_repr, detail, request_id) VALUES (%s, 'x', 'login', '', '', '', '', '')",
            [timezone.now()],
        )
    assert AuditLog.objects.filter(actor_name="x").exists()


# --- the auditor's page ----------------------------------------------------------------------
def rows_of(response):
    assert response.status_code == 200, response.status_code
    return [obj for obj, _values in response.context["rows"]]


def test_audit_page_visible_to_auditor_and_admin_only(access):
    access.check(
        "/admin/audit/",
        allowed=["auditor", "admin"],
        denied_role=["county", "township_a", "village_a", "sampler_a", "lab"],
    )


@pytest.fixture
def some_history(users, new_user, person_a):
    audit.record(audit.Action.REVEAL, person_a, by=users["township_a"], detail="id_number")
    audit.record(audit.Action.EXPORT, by=users["county"], object_type="people.person")
    return new_user


def test_audit_page_filters_by_actor(users, login, some_history):
    rows = rows_of(login(users["auditor"]).get("/admin/audit/", {"actor": "town_a"}))
    assert rows and {r.actor_name for r in rows} == {"town_a"}


def test_audit_page_filters_by_action(users, login, some_history):
    rows = rows_of(login(users["auditor"]).get("/admin/audit/", {"action": "export"}))
    assert len(rows) == 1 and rows[0].actor_name == "county"


def test_audit_page_filters_by_object(users, login, some_history, person_a):
    rows = rows_of(
        login(users["auditor"]).get(
            "/admin/audit/", {"object_type": "people.person", "object_id": str(person_a.pk)}
        )
    )
    assert {r.action for r in rows} == {"reveal"}


def test_audit_page_filters_by_time(users, login, some_history):
    client = login(users["auditor"])
    fmt = "%Y-%m-%d %H:%M:%S"
    hour_ago = (timezone.localtime() - dt.timedelta(hours=1)).strftime(fmt)
    in_an_hour = (timezone.localtime() + dt.timedelta(hours=1)).strftime(fmt)
    assert len(rows_of(client.get("/admin/audit/", {"since": hour_ago}))) >= 3
    assert rows_of(client.get("/admin/audit/", {"since": in_an_hour})) == []
    assert rows_of(client.get("/admin/audit/", {"until": hour_ago})) == []


def test_audit_page_with_a_bad_filter_value_still_answers(users, login, some_history):
    response = login(users["auditor"]).get("/admin/audit/", {"since": "not a date"})
    assert response.status_code == 200


def test_audit_page_export_is_itself_audited(users, login, some_history):
    response = login(users["auditor"]).get("/admin/audit/", {"export": "xlsx"})
    assert response.status_code == 200
    assert AuditLog.objects.filter(action="export", actor=users["auditor"]).exists()


# --- request id ------------------------------------------------------------------------------
def test_request_id_is_returned_and_recorded_in_the_rows_of_that_request(users, login, person_a):
    client = login(users["county"])
    response = client.post(
        f"/reveal/people.person/{person_a.pk}/id_number/",
        headers={"X-Request-ID": "trace-abc-12345"},
    )
    assert response.status_code == 200
    assert response["X-Request-ID"] == "trace-abc-12345"
    assert AuditLog.objects.get(action="reveal").request_id == "trace-abc-12345"


def test_request_id_is_generated_when_none_is_sent(users, api, token_for, county):
    response = api.post(
        "/api/v1/persons",
        token_for(users["township_a"]),
        {"area_id": county.village_a.pk, "name": "赵六", "doc_type": "passport"},
    )
    rid = response["X-Request-ID"]
    assert len(rid) >= 16
    person = Person.objects.get(name="赵六")
    row = AuditLog.objects.get(
        action="create", object_type="people.person", object_id=str(person.pk)
    )
    assert row.request_id == rid


def test_unsafe_request_id_from_outside_is_replaced(client):
    response = client.get("/healthz", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert response["X-Request-ID"] != "<script>alert(1)</script>"
    assert response["X-Request-ID"].isalnum()


def test_rows_written_outside_a_request_have_no_request_id(users):
    row = audit.record(audit.Action.LOGIN, users["county"], by=users["county"])
    assert row.request_id == ""


def test_sign_in_and_failed_sign_in_are_audited(users, client):
    from tests.conftest import PASSWORD

    client.post("/login/", {"username": "county", "password": "wrong-password-1"})
    client.post("/login/", {"username": "county", "password": PASSWORD})
    assert AuditLog.objects.filter(action="login_failed", object_repr="county").exists()
    assert AuditLog.objects.filter(action="login", actor=users["county"]).exists()


def test_during_a_redaction_only_the_texts_may_change_and_nothing_may_be_deleted(entry):
    """The purge's grant (``audit_redaction``) lets its transaction rewrite what a row
    says about someone, never who did what when to which object, and never delete it."""
    from fangkong.core.models import AuditRedaction
    from fangkong.core.redact import audit_redaction

    with transaction.atomic(), audit_redaction("test"):
        AuditLog._base_manager.filter(pk=entry.pk).update(object_repr="＊＊", detail="")
    assert AuditLog.objects.get(pk=entry.pk).object_repr == "＊＊"
    assert not AuditRedaction.objects.exists()  # the grant ends with the redaction
    for sql in (
        "UPDATE core_auditlog SET object_id = 'other' WHERE id = %s",
        "UPDATE core_auditlog SET action = 'logout' WHERE id = %s",
        "UPDATE core_auditlog SET actor_name = 'someone' WHERE id = %s",
        "DELETE FROM core_auditlog WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            audit_redaction("test"),
            connection.cursor() as cur,
        ):
            cur.execute(sql, [entry.pk])
    fresh = AuditLog.objects.get(pk=entry.pk)
    assert (fresh.object_id, fresh.action, fresh.actor_name) == (
        str(entry.object_id), "login", entry.actor_name)  # fmt: skip
