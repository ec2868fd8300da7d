"""core.db.statements: a queryset compiled once gives what the queryset gives; the cached UPDATE and
the one-statement log write change the same rows as the ORM calls they stand for."""

import pytest
from django.db import transaction

from fangkong.control.models import ControlPhase
from fangkong.control.services import start_episode
from fangkong.core import audit
from fangkong.core.db import statements as fastsql
from fangkong.core.logbatch import LogBatch
from fangkong.core.models import AuditLog, TimelineEvent
from tests.control.conftest import NOV_23
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _phases(episode_ids):
    return (
        ControlPhase.objects.select_for_update(of=("self",))
        .filter(episode_id__in=episode_ids, status__in=["active", "planned"])
        .select_related("episode__area", "episode__person")
        .order_by("episode_id", "order")
    )


def _row(p):
    return (
        p.pk,
        p.status,
        p.start_date,
        p.planned_end_date,
        p.test_days,
        p.episode.pk,
        p.episode.rule_snapshot,
        p.episode.area.name,
        p.episode.person.name,
    )


def test_fetch_gives_what_the_queryset_gives(users, county):
    episodes = [
        start_episode(
            PersonFactory(area=county.village_a), "close_contact", start_date=NOV_23, by=None
        )
        for _ in range(3)
    ]
    ids = sorted(e.pk for e in episodes)
    with transaction.atomic():
        for chosen in (ids[:1], ids, ids[1:]):
            for _ in range(2):  # compiled, then from the cache
                got = fastsql.fetch("test.phases", _phases, chosen)
                assert [_row(p) for p in got] == [_row(p) for p in _phases(chosen)]
                assert got and all(not p._state.adding for p in got)


def test_fetch_by_text_values_gives_what_the_queryset_gives(users, county):
    """Look-ups by a string (an address, a blind index) are re-bound like primary keys;
    none, or a list longer than the cache keeps, still answer as the queryset does."""
    from fangkong.people.models import Person

    people = [PersonFactory(area=county.village_a) for _ in range(3)]
    names = sorted(p.name for p in people)

    def by_name(values):
        return Person.objects.filter(name__in=values).select_related("area").order_by("pk")

    for chosen in (names[:1], names, names[1:], [], ["无此人"], names[::-1]):
        for _ in range(2):
            got = fastsql.fetch("test.by_name", by_name, chosen)
            assert [(p.pk, p.area.name) for p in got] == [
                (p.pk, p.area.name) for p in by_name(chosen)
            ]
    many = [f"无此人{i}" for i in range(fastsql.FETCH_CACHED_UP_TO)] + names[:1]
    assert [p.pk for p in fastsql.fetch("test.by_name", by_name, many)] == [
        p.pk for p in by_name(many)
    ]


def test_insert_reads_back_the_primary_key_when_asked(users, county):
    row = audit.build(audit.Action.CREATE, by=users["county"], object_type="x", detail="one")
    fastsql.insert(row, pk=True)
    assert row.pk and AuditLog.objects.get(pk=row.pk).detail == "one"
    other = audit.build(audit.Action.CREATE, by=users["county"], object_type="x", detail="two")
    fastsql.insert(other)
    assert other.pk is None and AuditLog.objects.filter(detail="two").count() == 1


def test_update_counts_the_rows_it_changed(users, county):
    episode = start_episode(
        PersonFactory(area=county.village_a), "close_contact", start_date=NOV_23, by=None
    )
    phases = list(episode.phases.order_by("order"))
    pks = [p.pk for p in phases]
    n = fastsql.update(ControlPhase, pks, {"end_reason": "x"}, where=[("status", "=", "active")])
    assert n == 1
    assert list(ControlPhase.objects.filter(pk__in=pks, end_reason="x")) == [phases[0]]
    assert fastsql.update(ControlPhase, pks, {"test_days": ["2022-11-24"]}) == len(pks)
    assert all(p.test_days == ["2022-11-24"] for p in ControlPhase.objects.filter(pk__in=pks))


def test_one_statement_write_writes_what_separate_inserts_write(users, county):
    episode = start_episode(
        PersonFactory(area=county.village_a), "close_contact", start_date=NOV_23, by=None
    )
    by = users["county"]

    def fill(batch):
        batch.audit(audit.Action.UPDATE, episode, by=by, before={"a": 1}, after={"a": 2})
        batch.event(episode.person, "test_kind", "测试", by=by, data={"k": [1, "二"]})
        batch.event(episode.person, "test_kind", "second", by=by)

    def rows(after):
        return (
            list(
                AuditLog.objects.filter(pk__gt=after[0])
                .order_by("pk")
                .values_list("actor_id", "object_type", "object_id", "before", "after", "detail")
            ),
            list(
                TimelineEvent.objects.filter(pk__gt=after[1])
                .order_by("pk")
                .values_list("subject_type", "subject_id", "summary", "data", "actor_id")
            ),
        )

    def marker():
        return (
            AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
            TimelineEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
        )

    start = marker()
    plain = LogBatch()
    fill(plain)
    plain.write_separately()
    expected = rows(start)
    assert len(expected[0]) == 1 and len(expected[1]) == 2
    start = marker()
    batch = LogBatch()
    fill(batch)
    batch.write()
    assert rows(start) == expected
    assert batch.audits == [] and batch.events == []
