"""The retention purge: in batches, idempotent, never someone under control, the same
person's merged records with them, one aggregate line in the change log."""

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.control.services import start_episode
from fangkong.core.models import AuditLog, TimelineEvent
from fangkong.people.models import Person
from fangkong.people.retention import PURGED_NAME, purge_expired
from fangkong.people.services import merge_persons
from tests.factories import HouseholdFactory, PersonFactory

pytestmark = pytest.mark.django_db
LONG_AGO = dt.timedelta(days=400)


def names(*persons):
    return [Person._base_manager.get(pk=p.pk).name for p in persons]


def test_the_purge_works_in_batches_and_logs_one_aggregate_line(county):
    gone = [
        PersonFactory(area=county.village_a, left_control_at=timezone.now() - LONG_AGO)
        for _ in range(5)
    ]
    kept = PersonFactory(area=county.village_a, name="刘备")
    assert purge_expired(batch=2) == 5
    assert names(*gone) == [PURGED_NAME] * 5 and names(kept) == ["刘备"]
    [line] = AuditLog.objects.filter(action="purge")
    assert line.detail.startswith("5 persons anonymised")
    assert purge_expired(batch=2) == 0  # idempotent


def test_a_person_under_control_again_is_not_purged(county, users):
    """Even when the date says so (a start that read the person before a release)."""
    p = PersonFactory(area=county.village_a, name="关羽", left_control_at=timezone.now() - LONG_AGO)
    Person._base_manager.filter(pk=p.pk).update(left_control_at=timezone.now() - LONG_AGO)
    start_episode(p, "close_contact", by=users["township_a"])
    Person._base_manager.filter(pk=p.pk).update(left_control_at=timezone.now() - LONG_AGO)
    assert purge_expired() == 0
    assert names(p) == ["关羽"]


def test_the_records_merged_into_a_purged_person_go_with_it(county, users):
    keep = PersonFactory(area=county.village_a, name="张飞")
    drop = PersonFactory(area=county.village_a, name="张翼德")
    merge_persons(keep, drop, by=users["county"])
    Person._base_manager.filter(pk=keep.pk).update(left_control_at=timezone.now() - LONG_AGO)
    assert purge_expired() == 1
    assert names(keep, drop) == [PURGED_NAME, PURGED_NAME]
    merged = AuditLog.objects.get(action="merge")
    assert "张翼德" not in str(merged.before) + str(merged.after) and merged.before["drop"]


def test_a_room_timeline_says_how_many_checked_in_not_who(county, users, make_user):
    from fangkong.core.roles import Role
    from fangkong.sites import services as sites
    from fangkong.sites.choices import SiteKind

    manager = make_user(Role.SITE_MANAGER, county.county, username="manager")
    site = sites.create_site(
        by=users["county"],
        data=sites.SiteData(name="县宾馆", kind=SiteKind.HOTEL, address="桃花路1号",
                            area=county.town_a, manager_name="王经理"),
    )  # fmt: skip
    sites.bulk_create_rooms(site, by=users["county"], floors=1, rooms_per_floor=1, beds=2)
    room = site.rooms.get()
    home = HouseholdFactory(area=county.village_a)
    a, b = (
        PersonFactory(area=county.village_a, household=home, name=n) for n in ("诸葛亮", "黄月英")
    )
    sites.check_in(room, [a, b], by=manager, reason="close_contact")
    event = TimelineEvent.objects.get(subject_type="sites.room", kind="occupied")
    assert "2" in event.summary
    assert event.data["persons"] == [a.pk, b.pk]
    assert "诸葛亮" not in event.summary
