import datetime as dt

import pytest

from fangkong.control.services import start_episode

NOV_23 = dt.date(2022, 11, 23)


@pytest.fixture
def episode_a(users, person_a):
    """张三, close contact from 2022-11-23 under the 20 measures: 5 days centralized
    (11-23..11-27) then 3 days home isolation (11-28..11-30)."""
    return start_episode(person_a, "close_contact", start_date=NOV_23, by=users["township_a"])


@pytest.fixture
def episode_b(users, person_b):
    return start_episode(person_b, "close_contact", start_date=NOV_23, by=users["township_b"])


def phase_rows(episode):
    return [
        (p.kind, p.status, p.start_date.isoformat(), p.planned_end_date.isoformat(), p.test_days)
        for p in episode.phases.order_by("order")
    ]
