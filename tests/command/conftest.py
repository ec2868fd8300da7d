"""Fixtures of the command centre: persons under control in two townships, an SMS double."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.control.services import start_episode
from fangkong.policy.choices import Reason


@pytest.fixture
def sms():
    from fangkong.core.sms import RecordingGateway, set_gateway

    gateway = RecordingGateway()
    set_gateway(gateway)
    yield gateway
    set_gateway(None)


@pytest.fixture
def under_control(person_a, person_b, users, county):
    """person_a (township A) and person_b (township B) under control since yesterday."""
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    by = users["county"]
    return [
        start_episode(p, Reason.CLOSE_CONTACT, by=by, start_date=yesterday)
        for p in (person_a, person_b)
    ]
