"""Sign-in lockout by account-and-address and by address alone, each a delay that ends by
itself: failures from one machine neither lock the account for others elsewhere nor let
that machine go on guessing."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

A, B = "203.0.113.7", "198.51.100.20"


def sign_in(username, password=PASSWORD, ip=A, **extra):
    return Client().post(
        "/login/", {"username": username, "password": password}, REMOTE_ADDR=ip, **extra
    )


def fail(username, times, ip=A, **extra):
    for _ in range(times):
        response = sign_in(username, "not-my-password", ip, **extra)
        assert response.status_code in (200, 429)


def locked(response) -> bool:
    return response.status_code == 429 and "Too many failed sign-ins" in response.content.decode()


def test_failures_from_one_address_do_not_lock_the_account_elsewhere(users):
    fail("county", 5, ip=A)
    assert locked(sign_in("county", ip=A))
    # the command centre signs in to the same account from its own address
    assert sign_in("county", ip=B).status_code == 302


def test_many_failures_from_one_address_lock_that_address_for_every_account(users, settings):
    settings.FANGKONG_LOGIN_IP_FAILURE_LIMIT = 6
    for name in ("town_a", "town_b", "no-such-user"):
        fail(name, 2, ip=A)  # under the per-account limit each
    response = sign_in("village_a", ip=A)
    assert locked(response)
    assert "Try again in 30 minutes" in response.content.decode()
    assert sign_in("village_a", ip=B).status_code == 302


def test_an_office_behind_one_address_survives_a_few_typos(users, settings):
    assert settings.FANGKONG_LOGIN_IP_FAILURE_LIMIT >= 20
    for name in ("town_a", "town_b", "village_a", "county"):
        fail(name, 3, ip=A)
    assert sign_in("sampler_a", ip=A).status_code == 302


def test_a_success_does_not_wipe_the_addresss_failures(users, settings):
    settings.FANGKONG_LOGIN_IP_FAILURE_LIMIT = 6
    fail("town_b", 3, ip=A)
    fail("no-such-user", 2, ip=A)
    assert sign_in("town_a", ip=A).status_code == 302  # an account of one's own
    fail("no-such-user", 1, ip=A)
    assert locked(sign_in("village_a", ip=A))


def test_the_cool_off_ends_the_lock(users, settings):
    fail("county", 5, ip=A)
    assert locked(sign_in("county", ip=A))
    cool_off = dt.timedelta(hours=settings.AXES_COOLOFF_TIME)
    AccessAttempt.objects.update(attempt_time=timezone.now() - cool_off - dt.timedelta(minutes=1))
    assert sign_in("county", ip=A).status_code == 302


def test_behind_a_proxy_the_forwarded_address_counts_not_what_the_client_claims(users, settings):
    settings.FANGKONG_TRUSTED_PROXIES = 1
    proxy = "10.0.0.2"
    # every request reaches us from the proxy; the proxy appends the client's address
    for claimed in ("1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4", "5.5.5.5"):
        sign_in("county", "wrong", ip=proxy, HTTP_X_FORWARDED_FOR=f"{claimed}, {A}")
    assert locked(sign_in("county", ip=proxy, HTTP_X_FORWARDED_FOR=f"9.9.9.9, {A}"))
    # another client behind the same proxy is someone else
    assert sign_in("county", ip=proxy, HTTP_X_FORWARDED_FOR=B).status_code == 302


def test_without_a_trusted_proxy_a_forwarded_header_is_ignored(users):
    for claimed in ("1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4", "5.5.5.5"):
        sign_in("county", "wrong", ip=A, HTTP_X_FORWARDED_FOR=claimed)
    assert locked(sign_in("county", ip=A, HTTP_X_FORWARDED_FOR=B))
