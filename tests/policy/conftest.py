import copy

import pytest

from fangkong.policy.loader import DATA_DIR, read_file


def county_set(**overrides):
    """A county rule set for the conftest county (500242): close contacts 3+4 from 2022-11-15."""
    data = {
        "code": "500242-2022-11",
        "name": "酉阳县补充规定",
        "scope": "county",
        "county": "500242",
        "effective_from": "2022-11-15",
        "effective_to": None,
        "source": "county command, notice 12",
        "notes": "",
        "rules": [
            {
                "reason": "close_contact",
                "notes": "local",
                "phases": [
                    {"kind": "centralized_isolation", "days": 3, "test_days": [1, 3]},
                    {"kind": "home_health_monitoring", "days": 4, "test_days": [2, 4]},
                ],
            }
        ],
    }
    data.update(overrides)
    return data


@pytest.fixture
def make_county_set():
    return county_set


@pytest.fixture
def twenty_measures_data():
    return copy.deepcopy(read_file(DATA_DIR / "national-20-measures.json"))
