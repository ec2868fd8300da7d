"""The home conditions as rule-set data: shipped with the national sets, checked when a
county loads its own, the county's own taking precedence for its areas."""

import copy
import json

import pytest

from fangkong.core.errors import ValidationFailed
from fangkong.policy.home import home_policy
from fangkong.policy.loader import DATA_DIR, load_rule_set, parse_rule_set

pytestmark = pytest.mark.django_db


def _county_set(block):
    data = json.loads((DATA_DIR / "national-20-measures.json").read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    data.update(code="yy-home", scope="county", county="500242", name="酉阳居家条件")
    data["rules"] = data["rules"][:1]
    data["home_isolation"] = block
    return data


def test_the_shipped_sets_carry_the_conditions(county):
    import datetime as dt

    code, block = home_policy(dt.date(2022, 11, 23), county.village_a)
    assert code == "cn-20-measures"
    assert {c["code"] for c in block["conditions"]} >= {"own_room", "own_bathroom", "carer_fit"}
    assert block["service_due_hours"]["urgent_medicine"] == 2


def test_a_bad_block_is_refused_naming_the_problem_nothing_loaded(county):
    bad = {"conditions": [{"code": "pool", "effect": "refuse"},
                          {"code": "own_room", "effect": "maybe"}],
           "fever_celsius": 45, "service_due_hours": {"pizza": 1}}  # fmt: skip
    with pytest.raises(ValidationFailed) as e:
        parse_rule_set(_county_set(bad))
    text = str(e.value.message)
    assert "pool" in text and "effect" in text and "fever_celsius" in text
    assert "service_due_hours" in text


def test_a_county_set_with_its_own_block_applies_to_its_areas(county):
    import datetime as dt

    block = {"conditions": [{"code": "own_bathroom", "effect": "refuse",
                             "unless": "shared_bathroom_cleaned"}]}  # fmt: skip
    data = _county_set(block)
    data["effective_from"] = "2022-11-20"
    load_rule_set(data)
    code, found = home_policy(dt.date(2022, 11, 23), county.village_a)
    assert code == "yy-home" and found["conditions"][0]["unless"] == "shared_bathroom_cleaned"
    code, _b = home_policy(dt.date(2022, 11, 19), county.village_a)
    assert code == "cn-20-measures"


def test_a_county_set_applies_to_its_own_county_only_however_remembered(county):
    """The remembered block is shared by the villages under the same county sets: a
    county's own set reaches its villages, never another county's, asked in any order."""
    import datetime as dt

    from tests.factories import add_area

    # a code after 500242: the fixture's areas keep their paths
    other = add_area(None, "500243", "彭水苗族土家族自治县", "county")
    far = add_area(add_area(other, "500243001", "汉葭街道", "street"), "500243001001",
                   "汉葭社区", "community")  # fmt: skip
    on = dt.date(2022, 11, 23)
    assert home_policy(on, far)[0] == "cn-20-measures"  # remembered before the county set
    data = _county_set({"conditions": [{"code": "own_room", "effect": "note"}]})
    data["effective_from"] = "2022-11-20"
    load_rule_set(data)
    assert home_policy(on, far)[0] == "cn-20-measures"
    assert home_policy(on, county.village_b)[0] == "yy-home"
    assert home_policy(on, county.village_a)[0] == "yy-home"
    assert home_policy(on, far)[0] == "cn-20-measures"
    assert home_policy(on, None)[0] == "cn-20-measures"
