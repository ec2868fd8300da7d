"""Personal data: encrypted at rest, found by blind index, masked by default, revealed only
to roles that may and always audited, exported masked unless the county asks, keys rotated
without loss, purged after the retention period with the counts kept."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from fangkong.core import pii
from fangkong.core.models import AuditLog
from fangkong.core.services.keys import rotate_keys
from fangkong.people.models import Person
from fangkong.people.retention import PURGED_NAME, purge_expired
from tests.core.conftest import raw_person_columns, xlsx_rows
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

MASKED_ID = re.compile(r"^\d{6}\*{12}$")
MASKED_PHONE = re.compile(r"^1\d{2}\*{4}\d{4}$")


def reveal_rows(person):
    return AuditLog.objects.filter(
        action="reveal", object_type="people.person", object_id=str(person.pk)
    )


# --- at rest ---------------------------------------------------------------------------------
def test_id_number_and_phone_are_not_stored_in_plain_text(person_a):
    raw = raw_person_columns(person_a.pk)
    for field in ("id_number", "phone"):
        plain = getattr(person_a, field)
        assert plain
        assert plain not in raw[field]
        assert raw[field].startswith("v1:"), raw[field]
    # ...and not hidden in the blind index either
    assert person_a.id_number not in raw["id_number_index"]
    assert len(raw["id_number_index"]) == 64


def test_same_value_encrypts_differently_each_time(county):
    a = PersonFactory(area=county.village_a, id_number="11010519491231002X", phone="13800000001")
    b = PersonFactory(area=county.village_b, id_number="11010519491231002X", phone="13800000001")
    ra, rb = raw_person_columns(a.pk), raw_person_columns(b.pk)
    assert ra["id_number"] != rb["id_number"]
    assert ra["id_number_index"] == rb["id_number_index"]


def test_encrypted_values_read_back_in_full(person_a):
    fresh = Person.objects.get(pk=person_a.pk)
    assert fresh.id_number == person_a.id_number
    assert fresh.phone == person_a.phone


def test_lookup_by_blind_index_finds_the_person(person_a, person_b):
    found = Person.objects.filter(id_number_index=pii.blind_index(person_a.id_number))
    assert list(found) == [person_a]
    by_phone = Person.objects.filter(phone_index=pii.blind_index(person_a.phone))
    assert list(by_phone) == [person_a]


def test_blind_index_ignores_spaces_and_case(county):
    p = PersonFactory(area=county.village_a, id_number="11010519491231002X")
    assert (
        Person.objects.filter(id_number_index=pii.blind_index(" 110105 19491231 002x ")).get() == p
    )


def test_search_box_finds_by_full_id_number(users, login, person_a, person_b):
    response = login(users["county"]).get("/people/persons/", {"q": person_a.id_number})
    assert [obj for obj, _ in response.context["rows"]] == [person_a]


# --- masked display --------------------------------------------------------------------------
def test_mask_shapes():
    # a resident ID keeps its area code only: birth date, sequence and check stay hidden
    assert pii.mask_id_number("500242199001011234") == "500242************"
    assert pii.mask_id_number("500242900101123") == "500242*********"
    assert pii.mask_phone("13812345678") == "138****5678"
    assert pii.mask_id_number("") == ""
    assert pii.mask_id_number("E1234") == "E****"
    assert pii.mask_id_number("E12345678") == "E1*****78"


def test_short_values_always_hide_four_characters():
    # a 7-digit number under the old 3 + 4 mask was shown whole
    assert pii.mask_phone("6123456") == "612****"
    assert pii.mask_phone("61234567") == "612****7"
    assert pii.mask_phone("0571888866") == "057****866"
    for value in ("1234", "12345", "1234567", "H1234567", "E12345678"):
        assert pii.mask_id_number(value).count("*") >= 4
        assert pii.mask_phone(value).count("*") >= 4


def test_person_page_shows_masked_values_only(users, login, person_a):
    content = login(users["county"]).get(f"/people/persons/{person_a.pk}/").content.decode()
    assert person_a.id_number not in content
    assert person_a.phone not in content
    assert person_a.id_number_masked in content
    assert MASKED_ID.match(person_a.id_number_masked)


def test_person_list_page_shows_masked_values_only(users, login, person_a):
    content = login(users["county"]).get("/people/persons/").content.decode()
    assert person_a.id_number not in content
    assert person_a.phone not in content
    assert person_a.id_number_masked in content


def test_api_shows_masked_values_only(users, api, token_for, person_a):
    token = token_for(users["county"])
    response = api.get(f"/api/v1/persons/{person_a.pk}", token)
    body = response.json()
    assert MASKED_ID.match(body["id_number_masked"]), body
    assert MASKED_PHONE.match(body["phone_masked"]), body
    assert person_a.id_number not in response.content.decode()
    assert person_a.phone not in response.content.decode()
    listing = api.get("/api/v1/persons", token).content.decode()
    assert person_a.id_number_masked in listing and f'"id": {person_a.pk}' in listing
    assert person_a.id_number not in listing and person_a.phone not in listing


def test_reveal_button_only_for_roles_that_may_reveal(users, login, person_a):
    assert (
        "Show in full"
        in login(users["township_a"]).get(f"/people/persons/{person_a.pk}/").content.decode()
    )
    response = login(users["sampler_a"]).get(f"/people/persons/{person_a.pk}/")
    page = response.content.decode()
    assert response.status_code == 200 and person_a.id_number_masked in page
    assert "Show in full" not in page


# --- reveal ----------------------------------------------------------------------------------
def test_reveal_page_access_by_role_and_area(access, person_a):
    access.check(
        f"/reveal/people.person/{person_a.pk}/id_number/",
        method="post",
        allowed=["county", "township_a", "village_a"],
        denied_role=["sampler_a", "lab", "auditor", "admin"],
        other_area=["township_b"],
    )
    # one audit row for each permitted reveal, none for the refusals
    assert reveal_rows(person_a).count() == 3
    assert set(reveal_rows(person_a).values_list("actor_name", flat=True)) == {
        "county",
        "town_a",
        "village_a",
    }


def test_reveal_page_returns_the_full_value_and_is_audited(users, login, person_a):
    response = login(users["township_a"]).post(f"/reveal/people.person/{person_a.pk}/phone/")
    assert response.status_code == 200
    assert person_a.phone in response.content.decode()
    row = reveal_rows(person_a).get()
    assert row.actor == users["township_a"]
    assert row.detail == "phone"
    assert person_a.phone not in json.dumps([row.before, row.after, row.detail])


def test_reveal_of_a_field_that_is_not_personal_data_is_refused(users, login, person_a):
    response = login(users["county"]).post(f"/reveal/people.person/{person_a.pk}/name/")
    assert response.status_code in (404, 422)
    assert not reveal_rows(person_a).exists()


def test_reveal_of_unknown_model_or_field_is_404(users, login, person_a):
    client = login(users["county"])
    assert client.post(f"/reveal/nope.nothing/{person_a.pk}/id_number/").status_code == 404
    assert client.post(f"/reveal/people.person/{person_a.pk}/nothing/").status_code == 404
    assert client.post("/reveal/people.person/999999/id_number/").status_code == 404


def test_reveal_by_get_is_not_allowed(users, login, person_a):
    assert (
        login(users["county"]).get(f"/reveal/people.person/{person_a.pk}/id_number/").status_code
        == 405
    )
    assert not reveal_rows(person_a).exists()


def test_reveal_api_access_by_role_and_area(access, person_a):
    access.check(
        "/api/v1/reveal",
        api=True,
        method="post",
        data={"model": "people.person", "id": person_a.pk, "field": "id_number"},
        allowed=["county", "township_a", "village_a"],
        denied_role=["sampler_a", "lab", "auditor", "admin"],
        other_area=["township_b"],
    )
    assert reveal_rows(person_a).count() == 3


def test_reveal_api_returns_value_and_audits(users, api, token_for, person_a):
    response = api.post(
        "/api/v1/reveal",
        token_for(users["county"]),
        {"model": "people.person", "id": person_a.pk, "field": "id_number"},
    )
    assert response.status_code == 200
    assert response.json() == {"value": person_a.id_number}
    assert reveal_rows(person_a).get().detail == "id_number"


def test_reveal_api_refusal_uses_the_error_format(users, api, token_for, person_a):
    response = api.post(
        "/api/v1/reveal",
        token_for(users["sampler_a"]),
        {"model": "people.person", "id": person_a.pk, "field": "id_number"},
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert person_a.id_number not in response.content.decode()


# --- export ----------------------------------------------------------------------------------
def test_export_is_masked_by_default_and_audited(users, login, person_a):
    response = login(users["township_a"]).get("/people/persons/", {"export": "xlsx"})
    rows = xlsx_rows(response)
    flat = json.dumps(rows, default=str)
    assert person_a.id_number not in flat and person_a.phone not in flat
    assert person_a.id_number_masked in flat
    entry = AuditLog.objects.get(action="export")
    assert entry.actor == users["township_a"]
    assert entry.object_type == "people.person"
    assert entry.detail.startswith("masked")


def test_full_export_is_refused_to_township_officer(users, login, person_a):
    response = login(users["township_a"]).get("/people/persons/", {"export": "xlsx", "full": "1"})
    assert response.status_code == 403
    assert not AuditLog.objects.filter(action="export").exists()


def test_full_export_for_county_command_holds_full_values_and_is_audited(users, login, person_a):
    response = login(users["county"]).get("/people/persons/", {"export": "xlsx", "full": "1"})
    assert response.status_code == 200
    flat = json.dumps(xlsx_rows(response), default=str)
    assert person_a.id_number in flat and person_a.phone in flat
    entry = AuditLog.objects.get(action="export")
    assert entry.actor == users["county"]
    assert entry.detail.startswith("full")


def test_export_refused_to_roles_without_export(users, login, person_a):
    response = login(users["sampler_a"]).get("/people/persons/", {"export": "xlsx"})
    assert response.status_code == 403


# --- key rotation ----------------------------------------------------------------------------
@pytest.fixture
def key_file(settings, tmp_path, monkeypatch, restore_keyring):
    monkeypatch.delenv("FANGKONG_PII_KEYS", raising=False)
    settings.FANGKONG_PII_KEY_FILE = tmp_path / "pii_keys.json"
    return settings.FANGKONG_PII_KEY_FILE


@pytest.mark.parametrize("rotate_index_key", [False, True])
def test_key_rotation_keeps_every_value_readable_and_findable(
    county, key_file, restore_keyring, rotate_index_key
):
    people = [PersonFactory(area=county.village_a) for _ in range(5)]
    old_ring = restore_keyring
    before_index = {p.pk: raw_person_columns(p.pk)["id_number_index"] for p in people}

    result = rotate_keys(rotate_index_key=rotate_index_key, chunk=2)

    new_ring = pii.keyring()
    assert new_ring.current == result["current"] != old_ring.current
    assert old_ring.current in new_ring.keys  # the old key is kept
    assert result["rows"]["people.person"] == 5
    assert pii.Keyring.from_json(key_file.read_text()) == new_ring
    assert key_file.stat().st_mode & 0o777 == 0o600
    for p in people:
        raw = raw_person_columns(p.pk)
        assert raw["id_number"].startswith(f"v1:{new_ring.current}:")
        assert raw["phone"].startswith(f"v1:{new_ring.current}:")
        fresh = Person.objects.get(pk=p.pk)
        assert (fresh.id_number, fresh.phone) == (p.id_number, p.phone)
        assert Person.objects.get(id_number_index=pii.blind_index(p.id_number)) == fresh
        assert Person.objects.get(phone_index=pii.blind_index(p.phone)) == fresh
        assert (raw["id_number_index"] != before_index[p.pk]) is rotate_index_key
    entry = AuditLog.objects.get(action="rotate_keys")
    assert "people.person" in entry.detail


def test_key_rotation_reads_values_written_under_the_old_key_before_reencryption(
    county, key_file, restore_keyring
):
    p = PersonFactory(area=county.village_a)
    old_cipher = raw_person_columns(p.pk)["id_number"]
    rotate_keys()
    # a ciphertext under the old key (say, from a backup) still decrypts
    assert pii.decrypt(old_cipher) == p.id_number


def test_rotate_keys_command_end_to_end(county, key_file, restore_keyring, capsys):
    p = PersonFactory(area=county.village_a)
    call_command("rotate_keys", "--index-key")
    out = capsys.readouterr().out
    assert "current key: k2" in out
    assert "people.person: 1 rows" in out
    fresh = Person.objects.get(pk=p.pk)
    assert fresh.id_number == p.id_number
    assert Person.objects.get(id_number_index=pii.blind_index(p.id_number)) == fresh
    call_command("rotate_keys")
    assert "current key: k3" in capsys.readouterr().out
    assert Person.objects.get(pk=p.pk).phone == p.phone


def test_rotate_keys_refused_when_keys_come_from_environment(
    county, key_file, monkeypatch, restore_keyring
):
    from django.core.management.base import CommandError

    monkeypatch.setenv("FANGKONG_PII_KEYS", restore_keyring.to_json())
    with pytest.raises(CommandError, match="FANGKONG_PII_KEYS"):
        call_command("rotate_keys")
    assert pii.keyring() == restore_keyring
    assert not key_file.exists()


# --- retention -------------------------------------------------------------------------------
def test_purge_anonymises_people_past_retention_and_keeps_counts(county, settings):
    settings.FANGKONG_RETENTION_DAYS = 180
    now = timezone.now()
    old = [
        PersonFactory(area=county.village_a, left_control_at=now - dt.timedelta(days=200)),
        PersonFactory(area=county.village_b, left_control_at=now - dt.timedelta(days=365)),
    ]
    recent = PersonFactory(area=county.village_a, left_control_at=now - dt.timedelta(days=10))
    still_in = PersonFactory(area=county.village_b)
    counts_before = dict(
        Person._base_manager.values_list("area").annotate(n=Count("pk")).order_by()
    )
    old_birth_years = {p.pk: p.birth_date.year for p in old}

    assert purge_expired(now=now) == 2

    for p in old:
        fresh = Person._base_manager.get(pk=p.pk)
        raw = raw_person_columns(p.pk)
        assert fresh.name == PURGED_NAME
        assert fresh.id_number == "" and fresh.phone == ""
        assert raw["id_number"] == "" and raw["phone"] == ""
        assert raw["id_number_index"] == "" and raw["phone_index"] == ""
        assert fresh.purged_at is not None
        assert fresh.birth_date == dt.date(old_birth_years[p.pk], 1, 1)
        assert not Person.objects.filter(id_number_index=pii.blind_index(p.id_number)).exists()
    for p in (recent, still_in):
        fresh = Person._base_manager.get(pk=p.pk)
        assert (fresh.name, fresh.id_number, fresh.purged_at) == (p.name, p.id_number, None)
    counts_after = dict(Person._base_manager.values_list("area").annotate(n=Count("pk")).order_by())
    assert counts_after == counts_before
    entry = AuditLog.objects.get(action="purge")
    assert entry.detail.startswith("2 persons")


def test_purge_is_idempotent(county):
    PersonFactory(area=county.village_a, left_control_at=timezone.now() - dt.timedelta(days=400))
    assert purge_expired() == 1
    assert purge_expired() == 0


def test_purge_command(county, capsys):
    PersonFactory(area=county.village_a, left_control_at=timezone.now() - dt.timedelta(days=40))
    call_command("purge_personal_data", "--days", "30")
    assert "1 persons anonymised" in capsys.readouterr().out
