"""Counts over the registry (persons per area of the tree, per key category, per township)
are computed once per change of the registry, not on every request: the second reader gets
them for one look-up of the registry's generation, and any change (a registration, a move,
a merge, a category, an import) retires them in every process."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fangkong.areas.selectors import children_with_counts
from fangkong.core import counts
from fangkong.people.models import KeyCategory
from fangkong.people.selectors import category_counts, counts_by_township
from fangkong.people.services import PersonData, create_person, update_person
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def tree(user) -> dict[str, int]:
    return {n.area.name: n.persons for n in children_with_counts(user, None)}


def test_a_second_reader_gets_the_counts_for_one_lookup(users, county):
    PersonFactory(area=county.village_a)
    assert tree(users["county"]) == {"酉阳土家族苗族自治县": 1}
    with CaptureQueriesContext(connection) as queries:
        assert tree(users["county"]) == {"酉阳土家族苗族自治县": 1}
    assert len(queries) == 2  # the top areas and the generation, no counting


def test_a_registration_and_a_move_retire_the_counts(users, county):
    officer = users["county"]
    assert tree(users["township_a"]) == {"钟多街道": 0}
    person, _ = create_person(by=officer, area=county.village_a, data=PersonData(name="张三"))
    assert tree(users["township_a"]) == {"钟多街道": 1}
    assert tree(users["township_b"]) == {"龙潭镇": 0}
    update_person(person, by=officer, area=county.village_b, data=PersonData(name="张三"))
    assert tree(users["township_a"]) == {"钟多街道": 0}
    assert tree(users["township_b"]) == {"龙潭镇": 1}


def test_category_counts_follow_a_category_given_and_taken(users, county):
    cat = KeyCategory.objects.create(code="kc99", name="测试类别")
    person = PersonFactory(area=county.village_a)
    assert category_counts(users["county"]).get(cat.pk, 0) == 0
    person.categories.add(cat)
    assert category_counts(users["county"])[cat.pk] == 1
    assert [t.total for t in counts_by_township(users["county"], cat)] == [1]
    person.categories.remove(cat)
    assert category_counts(users["county"]).get(cat.pk, 0) == 0
    assert counts_by_township(users["county"], cat) == []


def test_counts_are_per_scope(users, county):
    PersonFactory(area=county.village_a)
    PersonFactory(area=county.village_b)
    assert tree(users["county"]) == {"酉阳土家族苗族自治县": 2}
    assert tree(users["township_a"]) == {"钟多街道": 1}  # not the county's cached figure


def test_a_change_is_announced_only_after_it_commits(users, county, monkeypatch):
    # the test's own fixture bumps at once; the real one waits for the commit
    monkeypatch.undo()
    from django.db import transaction

    before = counts.generation(counts.PERSONS)
    with transaction.atomic():
        counts.changed(counts.PERSONS)
        assert counts.generation(counts.PERSONS) == before  # nothing held or shown yet


def test_readers_arriving_together_wait_for_one_computation_instead_of_each_counting():
    """Eight clients opening the county's page at once: the count is computed once."""
    import threading

    started, release = threading.Event(), threading.Event()
    calls: list[int] = []
    results: list[int] = []

    def slow_count() -> int:
        calls.append(1)
        started.set()
        release.wait(5)
        return 42

    def reader() -> None:
        try:
            results.append(counts.cached("test.together", ("a",), slow_count))
        finally:
            connection.close()  # this thread's own connection

    first = threading.Thread(target=reader)
    first.start()
    started.wait(5)
    others = [threading.Thread(target=reader) for _ in range(7)]
    for t in others:
        t.start()
    release.set()
    for t in [first, *others]:
        t.join(5)
    assert results == [42] * 8
    assert len(calls) == 1
