"""Two-factor on every door: a session that owes its second factor reaches the verify page
and nothing else (not the API, not the set-up page that would replace the device);
recovery codes for a lost phone, each good once; an administrator's audited reset."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from fangkong.core.models import ApiToken, AuditLog
from tests.conftest import PASSWORD
from tests.core.test_two_factor import code_for

pytestmark = pytest.mark.django_db


def sign_in(username: str, **headers) -> Client:
    """A session that gave the password only."""
    client = Client(**headers)
    response = client.post("/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return client


def verified(client: Client, device) -> Client:
    """Mark the session as having passed its second factor with ``device``."""
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def device(users):
    return TOTPDevice.objects.create(user=users["township_a"], name="TOTP", confirmed=True)


def reveal_body(person) -> str:
    return json.dumps({"model": "people.person", "id": person.pk, "field": "id_number"})


def enrol(client: Client, user) -> list[str]:
    """Set up a device through the pages; returns the recovery codes shown."""
    client.get("/account/2fa/setup/")
    pending = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post("/account/2fa/setup/", {"code": code_for(pending)})
    assert response.status_code == 200, response.content
    return response.context["codes"]


# --- the API ---------------------------------------------------------------------------------
def test_a_password_only_session_cannot_list_persons_through_the_api(users, device, person_a):
    client = sign_in("town_a")
    response = client.get("/api/v1/persons")
    assert response.status_code == 403
    error = json.loads(response.content)["error"]
    assert error["code"] == "second_factor_required"
    assert "two-factor" in error["message"]
    assert person_a.name not in response.content.decode()
    # the same session, once verified, gets the list
    response = verified(client, device).get("/api/v1/persons")
    assert response.status_code == 200
    assert [p["name"] for p in json.loads(response.content)["items"]] == [person_a.name]


def test_a_password_only_session_cannot_reveal_through_the_api(users, device, person_a):
    client = sign_in("town_a")
    response = client.post("/api/v1/reveal", reveal_body(person_a), content_type="application/json")
    assert response.status_code == 403
    assert json.loads(response.content)["error"]["code"] == "second_factor_required"
    assert person_a.id_number not in response.content.decode()
    assert not AuditLog.objects.filter(action="reveal").exists()
    response = verified(client, device).post(
        "/api/v1/reveal", reveal_body(person_a), content_type="application/json"
    )
    assert response.status_code == 200
    assert json.loads(response.content)["value"] == person_a.id_number


def test_a_bogus_token_does_not_fall_back_to_the_unverified_session(users, device, person_a):
    client = sign_in("town_a")
    response = client.get("/api/v1/persons", headers={"Authorization": "Bearer fk_not-a-token"})
    assert response.status_code == 403
    assert person_a.name not in response.content.decode()


def test_the_refusal_reads_in_the_users_language(users, device):
    client = sign_in("town_a", HTTP_ACCEPT_LANGUAGE="zh-hans")
    error = json.loads(client.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="zh-hans").content)["error"]
    assert "双因素登录" in error["message"]


def test_a_role_that_must_set_up_2fa_gets_no_api_before_it_has(users, settings):
    settings.FANGKONG_REQUIRE_2FA = True
    response = sign_in("county").get("/api/v1/me")
    assert response.status_code == 403
    error = json.loads(response.content)["error"]
    assert error["code"] == "second_factor_required"
    assert "set it up" in error["message"]
    # a township officer, whose role does not require it, is let through
    assert sign_in("town_a").get("/api/v1/me").status_code == 200


def test_a_password_only_session_cannot_create_an_api_token(users, device):
    client = sign_in("town_a")
    response = client.post("/account/tokens/", {"name": "stolen", "days": 30})
    assert response.status_code == 302
    assert response["Location"].startswith("/account/2fa/verify/")
    assert not ApiToken.objects.filter(user=users["township_a"]).exists()
    response = verified(client, device).post("/account/tokens/", {"name": "mine", "days": 30})
    assert response.status_code == 200
    assert ApiToken.objects.filter(user=users["township_a"], name="mine").exists()


# --- the set-up page -------------------------------------------------------------------------
def test_the_password_alone_cannot_open_setup_to_replace_a_device(users, device):
    client = sign_in("town_a")
    response = client.get("/account/2fa/setup/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/2fa/verify/")
    assert list(TOTPDevice.objects.filter(user=users["township_a"])) == [device]


def test_the_password_alone_cannot_confirm_a_new_device(users, device):
    """Even with an unconfirmed device planted (say, from an earlier verified visit)."""
    pending = TOTPDevice.objects.create(user=users["township_a"], name="TOTP", confirmed=False)
    client = sign_in("town_a")
    response = client.post("/account/2fa/setup/", {"code": code_for(pending)})
    assert response.status_code == 302
    device.refresh_from_db()
    pending.refresh_from_db()
    assert device.confirmed is True and pending.confirmed is False


def test_setup_service_refuses_an_unverified_session_with_a_device(users, device, rf):
    from fangkong.core.errors import PermissionDenied
    from fangkong.core.services import two_factor

    request = rf.get("/")
    request.user = users["township_a"]
    request.user.is_verified = lambda: False
    with pytest.raises(PermissionDenied) as exc:
        two_factor.start_setup(request)
    assert exc.value.code == "second_factor_required"
    assert not TOTPDevice.objects.filter(confirmed=False).exists()


def test_a_verified_session_may_move_2fa_to_a_new_phone(users, device):
    client = verified(sign_in("town_a"), device)
    response = client.get("/account/2fa/setup/")
    assert response.status_code == 200
    assert response.context["replacing"] is True
    new = TOTPDevice.objects.get(user=users["township_a"], confirmed=False)
    assert client.post("/account/2fa/setup/", {"code": code_for(new)}).status_code == 200
    assert list(TOTPDevice.objects.filter(user=users["township_a"])) == [new]


# --- recovery codes --------------------------------------------------------------------------
def test_setup_shows_ten_recovery_codes_stored_only_as_hashes(users, login):
    codes = enrol(login(users["township_a"]), users["township_a"])
    assert len(codes) == len(set(codes)) == 10
    stored = set(StaticToken.objects.values_list("token", flat=True))
    assert len(stored) == 10
    plain = {c.replace("-", "") for c in codes}
    assert not stored & (plain | set(codes))


def test_a_recovery_code_signs_in_once_and_only_once(users, login):
    codes = enrol(login(users["township_a"]), users["township_a"])
    first = sign_in("town_a")
    assert first.get("/").status_code == 302  # owes the second factor
    # typed with capitals and a space instead of the dash: still the code
    typed = codes[0].upper().replace("-", " ")
    response = first.post("/account/2fa/verify/?next=/people/persons/", {"code": typed})
    assert response.status_code == 302
    assert response["Location"] == "/people/persons/"
    assert first.get("/").status_code == 200
    assert AuditLog.objects.filter(
        actor=users["township_a"], detail__startswith="2FA passed with a recovery code (9 left)"
    ).exists()
    second = sign_in("town_a")
    response = second.post("/account/2fa/verify/", {"code": codes[0]})
    assert response.status_code == 422
    assert response.context["form"].errors["code"] == ["The code is not correct."]
    assert second.get("/").status_code == 302
    assert StaticToken.objects.count() == 9


def test_a_wrong_recovery_code_is_refused_and_consumes_nothing(users, login, settings):
    settings.OTP_STATIC_THROTTLE_FACTOR = 600  # the wait after one wrong code, in seconds
    enrol(login(users["township_a"]), users["township_a"])
    client = sign_in("town_a")
    response = client.post("/account/2fa/verify/", {"code": "aaaaa-bbbbb"})
    assert response.status_code == 422
    assert response.context["form"].errors["code"] == ["The code is not correct."]
    assert client.get("/").status_code == 302
    assert StaticToken.objects.count() == 10
    # guessing on at once is slowed down, and told so
    response = client.post("/account/2fa/verify/", {"code": "ccccc-ddddd"})
    assert response.status_code == 422
    assert "wait" in response.context["form"].errors["code"][0]


def test_a_verified_user_renews_recovery_codes_and_the_old_ones_die(users, login):
    user = users["township_a"]
    client = login(user)
    old = enrol(client, user)
    assert client.get("/account/2fa/recovery/").context["left"] == 10
    response = client.post("/account/2fa/recovery/")
    assert response.status_code == 200
    new = response.context["codes"]
    assert len(new) == 10 and not set(new) & set(old)
    assert AuditLog.objects.filter(actor=user, detail="2FA recovery codes renewed").exists()
    assert sign_in("town_a").post("/account/2fa/verify/", {"code": new[1]}).status_code == 302
    assert sign_in("town_a").post("/account/2fa/verify/", {"code": old[1]}).status_code == 422


def test_a_password_only_session_cannot_renew_recovery_codes(users, login):
    enrol(login(users["township_a"]), users["township_a"])
    before = set(StaticToken.objects.values_list("token", flat=True))
    response = sign_in("town_a").post("/account/2fa/recovery/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/2fa/verify/")
    assert set(StaticToken.objects.values_list("token", flat=True)) == before


# --- the administrator's reset ---------------------------------------------------------------
def test_an_administrator_resets_2fa_of_a_user_who_lost_everything(users, login, settings):
    settings.FANGKONG_REQUIRE_2FA = True
    settings.FANGKONG_2FA_ROLES = ("county_command",)
    county = users["county"]
    enrol(login(county), county)
    admin = login(users["admin"])
    page = admin.get(f"/admin/users/{county.pk}/")
    assert page.status_code == 200 and page.context["target_has_2fa"] is True
    response = admin.post(f"/admin/users/{county.pk}/2fa/reset/")
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=county).exists()
    assert not StaticToken.objects.filter(device__user=county).exists()
    assert AuditLog.objects.filter(
        actor=users["admin"], object_id=str(county.pk), detail="2FA reset by an administrator"
    ).exists()
    # the user signs in and is sent to set up a new device, not to verify an old one
    response = sign_in("county").get("/")
    assert response["Location"].startswith("/account/2fa/setup/")


def test_only_an_administrator_may_reset_2fa(users, login, device):
    response = login(users["county"]).post(f"/admin/users/{users['township_a'].pk}/2fa/reset/")
    assert response.status_code == 403
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    assert not AuditLog.objects.filter(detail="2FA reset by an administrator").exists()


def test_recovery_codes_survive_a_key_replacement_while_the_old_key_is_a_fallback(
    users, login, settings
):
    codes = enrol(login(users["township_a"]), users["township_a"])
    old = settings.SECRET_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-new-key-" + "x" * 50, [old]
    assert sign_in("town_a").post("/account/2fa/verify/", {"code": codes[0]}).status_code == 302
