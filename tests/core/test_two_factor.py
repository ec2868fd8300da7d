"""TOTP two-factor sign-in: available to every account; set up with a scanned secret and a
confirming code; once on, every new sign-in asks for a code; required by setting for county
command and system admins."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from fangkong.core.models import AuditLog
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def wrong_code_for(device: TOTPDevice) -> str:
    """A code that is valid in no window the device accepts."""
    now = int(time.time())
    valid = {
        totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=d)
        for d in range(-3, 4)
    }
    candidate = now % 1_000_000
    while candidate in valid:
        candidate = (candidate + 1) % 1_000_000
    return f"{candidate:06d}"


def sign_in(username: str) -> Client:
    client = Client()
    response = client.post("/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return client


def test_setup_page_creates_an_unconfirmed_device_and_shows_its_secret(users, login):
    client = login(users["township_a"])
    response = client.get("/account/2fa/setup/")
    assert response.status_code == 200
    device = TOTPDevice.objects.get(user=users["township_a"])
    assert device.confirmed is False
    assert device.bin_key.hex() in response.content.decode()
    assert "<svg" in response.content.decode()


def test_opening_setup_again_replaces_the_unconfirmed_device(users, login):
    client = login(users["township_a"])
    client.get("/account/2fa/setup/")
    client.get("/account/2fa/setup/")
    assert TOTPDevice.objects.filter(user=users["township_a"]).count() == 1


def test_confirming_with_the_right_code_turns_2fa_on(users, login):
    client = login(users["township_a"])
    client.get("/account/2fa/setup/")
    device = TOTPDevice.objects.get(user=users["township_a"])
    response = client.post("/account/2fa/setup/", {"code": code_for(device)})
    # the recovery codes are shown once, on the page that confirms
    assert response.status_code == 200
    assert len(response.context["codes"]) == 10
    device.refresh_from_db()
    assert device.confirmed is True
    # this session is verified: pages open without another code
    assert client.get("/").status_code == 200
    assert AuditLog.objects.filter(actor=users["township_a"], detail="2FA device set up").exists()


def test_confirming_with_a_wrong_code_names_the_field_and_changes_nothing(users, login):
    client = login(users["township_a"])
    client.get("/account/2fa/setup/")
    device = TOTPDevice.objects.get(user=users["township_a"])
    response = client.post("/account/2fa/setup/", {"code": wrong_code_for(device)})
    assert response.status_code == 422
    assert "code" in response.context["form"].errors
    device.refresh_from_db()
    assert device.confirmed is False


def test_confirming_with_an_empty_code_names_the_field(users, login):
    client = login(users["township_a"])
    client.get("/account/2fa/setup/")
    response = client.post("/account/2fa/setup/", {"code": ""})
    assert response.status_code == 422
    assert "code" in response.context["form"].errors


@pytest.fixture
def device(users):
    return TOTPDevice.objects.create(user=users["township_a"], name="TOTP", confirmed=True)


def test_with_a_device_a_new_sign_in_must_give_a_code(users, device):
    client = sign_in("town_a")
    response = client.get("/people/persons/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/2fa/verify/?next=/people/persons/")
    assert client.get("/").status_code == 302


def test_wrong_code_keeps_the_user_out(users, device):
    client = sign_in("town_a")
    response = client.post("/account/2fa/verify/", {"code": wrong_code_for(device)})
    assert response.status_code == 422
    assert "code" in response.context["form"].errors
    assert client.get("/").status_code == 302


def test_right_code_lets_the_user_in_and_goes_to_next(users, device):
    client = sign_in("town_a")
    response = client.post("/account/2fa/verify/?next=/people/persons/", {"code": code_for(device)})
    assert response.status_code == 302
    assert response["Location"] == "/people/persons/"
    assert client.get("/").status_code == 200


def test_verify_does_not_follow_next_to_another_site(users, device):
    client = sign_in("town_a")
    response = client.post(
        "/account/2fa/verify/?next=https://evil.example/", {"code": code_for(device)}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/")  # somewhere on this site
    assert "evil.example" not in response["Location"]


def test_a_code_cannot_be_used_twice(users, device):
    code = code_for(device)
    first = sign_in("town_a")
    assert first.post("/account/2fa/verify/", {"code": code}).status_code == 302
    second = sign_in("town_a")
    assert second.post("/account/2fa/verify/", {"code": code}).status_code == 422


def test_the_api_with_a_token_is_not_blocked_by_2fa(users, device, api, token_for):
    assert api.get("/api/v1/me", token_for(users["township_a"])).status_code == 200


def test_required_2fa_forces_county_command_without_device_to_set_up(users, settings):
    settings.FANGKONG_REQUIRE_2FA = True
    client = sign_in("county")
    response = client.get("/people/persons/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/2fa/setup/")
    # the setup page itself, sign-out and language switch stay reachable
    assert client.get("/account/2fa/setup/").status_code == 200


def test_required_2fa_forces_system_admin_too(users, settings):
    settings.FANGKONG_REQUIRE_2FA = True
    response = sign_in("admin").get("/admin/users/")
    assert response["Location"].startswith("/account/2fa/setup/")


def test_required_2fa_does_not_force_a_township_officer(users, settings):
    settings.FANGKONG_REQUIRE_2FA = True
    assert sign_in("town_a").get("/").status_code == 200


def test_required_2fa_lets_county_in_after_setup(users, settings):
    settings.FANGKONG_REQUIRE_2FA = True
    client = sign_in("county")
    client.get("/account/2fa/setup/")
    device = TOTPDevice.objects.get(user=users["county"])
    assert client.post("/account/2fa/setup/", {"code": code_for(device)}).status_code == 200
    assert client.get("/people/persons/").status_code == 200


def test_2fa_not_required_when_setting_is_off(users, settings):
    settings.FANGKONG_REQUIRE_2FA = False
    assert sign_in("county").get("/").status_code == 200
