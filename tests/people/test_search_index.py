"""The search box reads an index of name pieces and initials per area (people/fragments.py):
what a user finds is what a plain LIKE over their areas finds, whatever wrote the persons."""

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.people import fragments
from fangkong.people.models import NameFragment, Person
from fangkong.people.retention import PURGED_NAME, purge_expired
from fangkong.people.selectors import search_persons
from fangkong.people.services import merge_persons, persons_written, update_household
from tests.factories import HouseholdFactory, PersonFactory


@pytest.fixture
def people(county):
    a, b = county.village_a, county.village_b
    return {
        "zsf": PersonFactory(area=a, name="张三丰"),
        "wxm": PersonFactory(area=a, name="王小明"),
        "ogyx": PersonFactory(area=a, name="欧阳小燕"),
        "lili": PersonFactory(area=a, name="李丽丽"),
        "zs_b": PersonFactory(area=b, name="张三"),
        "xm_b": PersonFactory(area=b, name="刘小明"),
    }


def found(user, q):
    return sorted(p.name for p in search_persons(user, q))


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("张", ["张三", "张三丰"]),  # one character, at the start
        ("丰", ["张三丰"]),  # at the end
        ("小", ["刘小明", "欧阳小燕", "王小明"]),  # in the middle
        ("小明", ["刘小明", "王小明"]),
        ("阳小燕", ["欧阳小燕"]),
        ("欧阳小燕", ["欧阳小燕"]),  # longer than a piece: looked up by its start
        ("丽", ["李丽丽"]),  # twice in one name, found once
        ("张三丰", ["张三丰"]),
        ("三丰子", []),
        ("zs", ["张三", "张三丰"]),  # initials
        ("z", ["张三", "张三丰"]),
        ("zsf", ["张三丰"]),
        ("oyxy", ["欧阳小燕"]),  # initials longer than a piece
        ("zhangsan", ["张三", "张三丰"]),  # full pinyin
        ("wangxiao", ["王小明"]),
        ("xm", []),  # initials start the name
    ],
)
def test_fragments_initials_and_pinyin_find_what_like_finds(users, people, q, expected):
    assert found(users["county"], q) == expected


def test_a_user_never_finds_a_person_of_another_area(users, people):
    town_a, town_b = users["township_a"], users["township_b"]
    assert found(town_a, "小明") == ["王小明"]
    assert found(town_b, "小明") == ["刘小明"]
    assert found(town_a, "张三") == ["张三丰"]
    assert found(town_a, "zs") == ["张三丰"]
    assert found(town_b, "zhangsan") == ["张三"]
    assert found(users["village_a"], "刘") == []


def test_a_renamed_person_is_found_by_the_new_name_only(users, people):
    person = people["wxm"]
    person.name, person.name_initials = "王大明", "wdm"
    person.save(update_fields=["name", "name_initials"])
    assert found(users["county"], "大明") == ["王大明"]
    assert found(users["county"], "wdm") == ["王大明"]
    assert found(users["county"], "小明") == ["刘小明"]
    assert found(users["county"], "wxm") == []


def test_a_merged_record_is_found_no_more(users, people):
    merge_persons(people["zs_b"], people["zsf"], by=users["county"])
    assert found(users["county"], "张三") == ["张三"]
    assert found(users["county"], "丰") == []
    assert not NameFragment.objects.filter(person=people["zsf"]).exists()


def test_a_purged_person_is_not_found_by_the_old_name(users, people, settings):
    settings.FANGKONG_RETENTION_DAYS = 180
    gone = people["lili"]
    Person.objects.filter(pk=gone.pk).update(
        left_control_at=timezone.now() - dt.timedelta(days=365)
    )
    assert purge_expired() == 1
    assert found(users["county"], "丽") == []
    assert PURGED_NAME in found(users["county"], PURGED_NAME[1:3])  # as a plain LIKE would


def test_members_of_a_moved_household_are_found_in_its_new_area(users, county):
    household = HouseholdFactory(area=county.village_a)
    PersonFactory(area=county.village_a, household=household, name="赵小红")
    update_household(
        household, by=users["county"], area=county.village_b, address=household.address
    )
    assert found(users["township_b"], "小红") == ["赵小红"]
    assert found(users["township_a"], "小红") == []


def test_bulk_writes_and_the_full_rebuild_agree(users, people):
    def rows():
        return sorted(NameFragment.objects.values_list("person_id", "area_id", "fragment"))

    kept = rows()
    assert {f for p, _a, f in kept if p == people["ogyx"].pk} == {
        "欧", "阳", "小", "燕", "欧阳", "阳小", "小燕", "欧阳小", "阳小燕", "O", "OY", "OYX",
    }  # fmt: skip
    fragments.rebuild_all()
    assert rows() == kept
    Person.objects.filter(pk=people["xm_b"].pk).update(name="刘晓明", name_initials="lxm")
    persons_written([people["xm_b"].pk])  # what a bulk writer calls
    assert found(users["county"], "晓明") == ["刘晓明"]
    assert found(users["county"], "刘小") == []
