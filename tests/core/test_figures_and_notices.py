"""The two places every domain plugs into besides the work queue: the command centre's
figures (one section per domain, shown only to those who may see it) and the notices under
each user's bell (sent to the users of the area concerned and of the areas above it only)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured

from fangkong.core import figures
from fangkong.core.notifications import mark_read, notify, recipients, unread_count

pytestmark = pytest.mark.django_db


@pytest.fixture
def section():
    def people_today(user, day):
        return [figures.Figure("t.n", "persons", len(user.area_paths), by_township={"x": 1})]

    s = figures.register("t.section", label="test", permission="testing.manage",
                         figures=people_today, order=1)  # fmt: skip
    yield s
    figures.unregister("t.section")


def test_a_section_is_shown_only_to_roles_holding_its_permission(section, users):
    day = dt.date(2026, 12, 1)
    county = [s for s in figures.sections_for(users["county"], day) if s.section.key == "t.section"]
    assert county and county[0].figures[0].value == 1
    assert not [s for s in figures.sections_for(users["lab"], day) if s.section is section]


def test_a_section_with_an_unknown_permission_or_registered_twice_is_refused(section):
    with pytest.raises(KeyError):
        figures.register("t.other", label="x", permission="no.such", figures=lambda u, d: [])
    with pytest.raises(ImproperlyConfigured):
        figures.register("t.section", label="x", permission="testing.manage",
                         figures=lambda u, d: [])  # fmt: skip


def test_notices_reach_the_area_and_the_areas_above_it_not_a_neighbour(users, county):
    told = set(recipients("person.edit", county.village_a).values_list("username", flat=True))
    assert {"county", "town_a", "village_a"} <= told
    assert "town_b" not in told  # another township
    assert "auditor" not in told  # holds no person.edit


def test_a_notice_is_unread_until_marked_and_sent_once_per_user(users):
    u = users["township_a"]
    notify([u, u], kind="test", title="新的督办事项", url="/command/")
    assert unread_count(u) == 1
    assert unread_count(users["township_b"]) == 0
    assert mark_read(u) == 1
    assert unread_count(u) == 0


def test_several_counts_per_township_from_one_grouped_query(county, django_assert_num_queries):
    """The totals count the rows above township level too; the split leaves out a township
    without any (as per_township does), whatever other count it has."""
    from django.db.models import Count, Q

    from fangkong.people.models import Person
    from tests.factories import PersonFactory

    PersonFactory(area=county.village_a, name="甲")
    PersonFactory(area=county.village_b, name="乙")
    PersonFactory(area=county.county, name="丙")  # above township level
    qs = Person.objects.filter(name__in=["甲", "乙", "丙"])
    with django_assert_num_queries(1):
        totals, towns = figures.township_counts(
            qs, "area__path", n=Count("pk"), a=Count("pk", filter=Q(name="甲"))
        )
    assert totals == {"n": 3, "a": 1}
    assert towns == {"n": {county.town_a.path: 1, county.town_b.path: 1},
                     "a": {county.town_a.path: 1}}  # fmt: skip
