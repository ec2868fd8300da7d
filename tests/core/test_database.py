"""The database layer under the hot paths: PostgreSQL binds parameters server-side (so it
can prepare statements), and large batches still fit the protocol's parameter limit."""

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from fangkong.core.db import MAX_PARAMS, chunks
from fangkong.core.models import TimelineEvent


def _events(n):
    now = timezone.now()
    return [
        TimelineEvent(at=now, subject_type="people.person", subject_id=i, kind="bulk",
                      summary=f"event {i}", data={"i": i})
        for i in range(n)
    ]  # fmt: skip


def test_postgresql_binds_server_side_and_prepares_repeated_statements():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    options = settings.DATABASES["default"]["OPTIONS"]
    assert connection.features.uses_server_side_binding
    assert options["prepare_threshold"] == 2


@pytest.mark.django_db
def test_a_bulk_update_with_more_values_than_one_statement_carries_is_split():
    TimelineEvent.objects.bulk_create(_events(9_000))
    events = list(TimelineEvent.objects.filter(kind="bulk"))
    for e in events:
        e.summary, e.kind, e.subject_id, e.data = f"changed {e.pk}", "bulk2", e.subject_id + 1, {}
    # 9,000 rows × (4 fields × 2 + 1): 81,000 values
    TimelineEvent.objects.bulk_update(events, ["summary", "kind", "subject_id", "data"])
    assert (
        TimelineEvent.objects.filter(kind="bulk2", summary__startswith="changed").count() == 9_000
    )


def test_a_long_id_list_is_cut_into_parts_that_each_fit_one_statement():
    ids = list(range(70_001))
    parts = list(chunks(ids))
    assert sum(len(p) for p in parts) == 70_001 and parts[0][0] == 0 and parts[-1][-1] == 70_000
    assert max(len(p) for p in parts) * 2 < MAX_PARAMS


@pytest.mark.django_db
def test_only_core_db_statements_are_prepared_so_scoped_reads_keep_plans_for_their_values():
    """A county user's scoped read planned once for any area prefix read every person of
    the county on its sixth run; the hot paths' look-ups by key keep their prepared plans."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    from fangkong.areas.models import Area
    from fangkong.core.db import statements

    for _ in range(6):
        list(Area.objects.filter(path__startswith="0001").values_list("pk", flat=True))
        statements.query_one("SELECT COUNT(*) FROM core_timelineevent WHERE subject_id = %s", [1])
    rows = statements.query("SELECT statement FROM pg_prepared_statements")
    prepared = [s for (s,) in rows]
    assert any("core_timelineevent" in s for s in prepared)
    assert not any("areas_area" in s for s in prepared)
