"""The subtree rule, written once in core.scoping: in Python (``within``), as a Q
(``subtree_q``) and as hand-written SQL (``subtree_sql``), the same areas are within."""

from __future__ import annotations

import pytest

from fangkong.areas.models import Area
from fangkong.core.db import statements
from fangkong.core.db.vendor import table
from fangkong.core.scoping import fold, subtree_q, subtree_sql, within


@pytest.mark.parametrize("roots", [["town_a"], ["town_a", "village_b"], ["county"], []])
def test_python_q_and_sql_agree_on_which_areas_are_within(county, roots):
    paths = [getattr(county, r).path for r in roots]
    by_python = {a.pk for a in Area.objects.all() if within(a.path, paths)}
    by_q = set(Area.objects.filter(subtree_q(paths)).values_list("pk", flat=True))
    cond, params = subtree_sql("path", paths)
    by_sql = {
        r[0]
        for r in statements.query(f"SELECT id FROM {table(Area)} WHERE {cond}", params)  # noqa: S608
    }
    assert by_python == by_q == by_sql
    if roots == ["town_a"]:
        assert by_python == {county.town_a.pk, county.village_a.pk}
    if not roots:
        assert by_python == set()


def test_fold_keeps_the_roots_only(county):
    paths = [county.village_a.path, county.town_a.path, county.town_b.path]
    assert fold(paths) == tuple(sorted([county.town_a.path, county.town_b.path]))
    assert fold([county.county.path, *paths]) == (county.county.path,)


def test_overlaps_is_what_round_scoping_shows(county, make_user):
    import datetime as dt

    from django.utils import timezone

    from fangkong.core.roles import Role
    from fangkong.core.scoping import overlaps
    from fangkong.testing.models import ScreeningRound

    now = timezone.now()
    for where in ("county", "town_a", "village_b"):
        rnd = ScreeningRound.objects.create(
            name=where, starts_at=now, ends_at=now + dt.timedelta(days=1)
        )
        rnd.areas.set([getattr(county, where)])
    for area in ("village_a", "town_b", "county"):
        user = make_user(Role.SAMPLER, getattr(county, area))
        for rnd in ScreeningRound.objects.prefetch_related("areas"):
            shown = ScreeningRound.objects.visible_to(user).filter(pk=rnd.pk).exists()
            paths = [a.path for a in rnd.areas.all()]
            assert overlaps(paths, user.area_paths) == shown, (area, rnd.name)
    village_a = make_user(Role.SAMPLER, county.village_a)
    assert not overlaps([county.village_b.path], village_a.area_paths)
    assert overlaps([county.county.path], village_a.area_paths)
