""" "Day N of M" counts calendar days in Asia/Shanghai, whatever the server's clock zone."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from fangkong.control.selectors import day_of

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC


def centralized(episode):
    return episode.phases.get(order=1)


def test_first_day_is_day_one_of_five(episode_a):
    assert day_of(centralized(episode_a), dt.date(2022, 11, 23)) == (1, 5)


def test_last_day_is_day_five_of_five(episode_a):
    assert day_of(centralized(episode_a), dt.date(2022, 11, 27)) == (5, 5)


def test_2330_local_is_still_the_same_day_though_utc_says_1530(episode_a):
    late = dt.datetime(2022, 11, 23, 23, 30, tzinfo=SHANGHAI)
    assert late.astimezone(UTC).hour == 15
    assert day_of(centralized(episode_a), late) == (1, 5)


def test_0030_local_is_the_next_day_though_utc_is_still_the_day_before(episode_a):
    after_midnight = dt.datetime(2022, 11, 23, 16, 30, tzinfo=UTC)  # 2022-11-24 00:30 local
    assert day_of(centralized(episode_a), after_midnight) == (2, 5)


def test_today_is_the_local_calendar_day(episode_a, monkeypatch):
    # 2022-11-24 00:30 in Shanghai is 2022-11-23 in UTC
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2022, 11, 23, 16, 30, tzinfo=UTC))
    assert day_of(centralized(episode_a)) == (2, 5)


def test_before_the_start_is_day_zero_and_past_the_end_counts_on(episode_a):
    home = episode_a.phases.get(order=2)
    assert day_of(home, dt.date(2022, 11, 23)) == (0, 3)
    assert day_of(centralized(episode_a), dt.date(2022, 11, 29)) == (7, 5)
