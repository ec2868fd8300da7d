"""Accounts: sign-in and its refusals (wrong password, disabled, locked out), password change,
language switch, session expiry, CSRF, security headers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Quiet-river-2048"
CHINESE_MO = Path(settings.BASE_DIR) / "fangkong/locale/zh_Hans/LC_MESSAGES/django.mo"
# Without compiled messages (`make messages`) pages fall back to English: expected failure.
needs_chinese_messages = pytest.mark.xfail(
    not CHINESE_MO.exists(),
    reason="needs compiled Chinese messages (fangkong/locale/zh_Hans/LC_MESSAGES/django.mo)",
    strict=False,
)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def sign_in(client, username, password):
    return client.post("/login/", {"username": username, "password": password})


def test_correct_password_signs_in(users, client):
    response = sign_in(client, "town_a", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert signed_in(client)
    assert client.get("/").status_code == 200


def test_wrong_password_is_refused_with_a_clear_message(users, client):
    response = sign_in(client, "town_a", "not-my-password")
    assert response.status_code == 200
    assert "Wrong username or password." in response.content.decode()
    assert not signed_in(client)


def test_unknown_user_gets_the_same_message_as_a_wrong_password(users, client):
    response = sign_in(client, "nobody-here", "not-my-password")
    assert "Wrong username or password." in response.content.decode()
    assert "disabled" not in response.content.decode()
    assert not signed_in(client)


def test_empty_form_names_the_missing_fields(client, db):
    response = client.post("/login/", {})
    form = response.context["form"]
    assert set(form.errors) == {"username", "password"}
    assert not signed_in(client)


def test_disabled_user_with_correct_password_is_told_the_account_is_disabled(users, client):
    user = users["township_a"]
    user.is_active = False
    user.save()
    response = sign_in(client, "town_a", PASSWORD)
    assert response.status_code == 200
    assert "This account has been disabled" in response.content.decode()
    assert not signed_in(client)


def test_disabled_user_with_wrong_password_is_not_told_it_is_disabled(users, client):
    users["township_a"].is_active = False
    users["township_a"].save()
    response = sign_in(client, "town_a", "not-my-password")
    assert "disabled" not in response.content.decode()
    assert "Wrong username or password." in response.content.decode()


def test_lockout_after_five_failures_even_with_the_right_password(users, client, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(4):
        response = sign_in(client, "town_a", "not-my-password")
        assert "Wrong username or password." in response.content.decode()
    response = sign_in(client, "town_a", "not-my-password")
    assert "Too many failed sign-ins" in response.content.decode()
    response = sign_in(client, "town_a", PASSWORD)
    assert response.status_code in (403, 429)
    assert "Too many failed sign-ins" in response.content.decode()
    assert not signed_in(client)
    # locking is per account: a colleague behind the same address still signs in
    other = Client()
    assert sign_in(other, "town_b", PASSWORD).status_code == 302


def test_fewer_than_five_failures_then_success_resets_the_count(users, client):
    for _ in range(4):
        sign_in(client, "town_a", "not-my-password")
    assert sign_in(client, "town_a", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        sign_in(client, "town_a", "not-my-password")
    assert sign_in(client, "town_a", PASSWORD).status_code == 302


def test_sign_out_ends_the_session(users, login):
    client = login(users["township_a"])
    response = client.post("/logout/")
    assert response.status_code == 302
    assert not signed_in(client)
    assert client.get("/").status_code == 302


# --- password change -------------------------------------------------------------------------
def change(client, old, new1, new2=None):
    return client.post(
        "/account/password/",
        {"old_password": old, "new_password1": new1, "new_password2": new2 or new1},
    )


def test_password_change_with_wrong_current_password_names_the_field(users, login):
    response = change(login(users["township_a"]), "not-my-password", NEW_PASSWORD)
    assert response.status_code == 422
    assert "old_password" in response.context["form"].errors
    users["township_a"].refresh_from_db()
    assert users["township_a"].check_password(PASSWORD)


@pytest.mark.parametrize("weak", ["short1", "1234567890123", "password1234", "town_a1234"])
def test_password_change_to_a_weak_password_names_the_field(users, login, weak):
    response = change(login(users["township_a"]), PASSWORD, weak)
    assert response.status_code == 422
    assert "new_password1" in response.context["form"].errors
    users["township_a"].refresh_from_db()
    assert users["township_a"].check_password(PASSWORD)


def test_password_change_with_two_different_new_passwords_names_the_field(users, login):
    response = change(login(users["township_a"]), PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x")
    assert response.status_code == 422
    assert "new_password2" in response.context["form"].errors


def test_password_change_works_and_keeps_the_session(users, login):
    client = login(users["township_a"])
    response = change(client, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # still signed in
    fresh = Client()
    assert sign_in(fresh, "town_a", PASSWORD).status_code == 200  # old refused
    assert sign_in(fresh, "town_a", NEW_PASSWORD).status_code == 302


def test_password_change_needs_sign_in(client, db):
    response = client.get("/account/password/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


# --- language --------------------------------------------------------------------------------
def test_language_switch_marks_pages_as_chinese(users, client):
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/login/"})
    assert response.status_code == 302
    page = client.get("/login/").content.decode()
    assert 'lang="zh-Hans"' in page


def test_language_switch_back_to_english(users, client):
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/login/"})
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    page = client.get("/login/").content.decode()
    assert 'lang="en"' in page
    assert "Sign in" in page


@needs_chinese_messages
def test_language_switch_renders_the_login_page_in_chinese(users, client):
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/login/"})
    page = client.get("/login/").content.decode()
    assert "<title>登录" in page
    assert "Sign in" not in page


@needs_chinese_messages
def test_messages_read_in_chinese_after_switch(users, client):
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/login/"})
    response = sign_in(client, "town_a", "not-my-password")
    assert "用户名或密码错误。" in response.content.decode()
    assert "Wrong username or password." not in response.content.decode()


def test_chinese_is_the_default_language(client, db, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    page = client.get("/login/").content.decode()
    assert 'lang="zh-Hans"' in page


# --- sessions, CSRF, headers -----------------------------------------------------------------
def test_expired_session_is_sent_to_sign_in(users, login):
    client = login(users["township_a"])
    assert client.get("/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(minutes=1))
    response = client.get("/people/persons/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_session_cookie_settings_are_safe(settings):
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600


def test_missing_csrf_token_on_a_form_is_refused_with_a_clear_message(users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["township_a"])
    response = change(client, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 403
    assert "Reload the page and try again; nothing was saved." in response.content.decode()
    users["township_a"].refresh_from_db()
    assert users["township_a"].check_password(PASSWORD)


def test_missing_csrf_token_on_sign_in_is_refused(users):
    client = Client(enforce_csrf_checks=True)
    response = sign_in(client, "town_a", PASSWORD)
    assert response.status_code == 403
    assert not signed_in(client)


def test_form_with_its_csrf_token_is_accepted(users):
    client = Client(enforce_csrf_checks=True)
    client.get("/login/")
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/login/", {"username": "town_a", "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


@pytest.mark.parametrize("url", ["/login/", "/", "/healthz"])
def test_security_headers_are_sent(users, login, url):
    response = login(users["township_a"]).get(url)
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";")[0]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_pages_need_sign_in(client, db):
    for url in ("/", "/people/persons/", "/account/tokens/", "/admin/users/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/?next="), url
