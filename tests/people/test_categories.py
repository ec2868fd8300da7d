"""Key-person categories: the twelve lists, configurable; counts per township."""

import pytest

from fangkong.core.errors import PermissionDenied, ValidationFailed
from fangkong.people import services
from fangkong.people.models import KeyCategory
from fangkong.people.selectors import category_counts, counts_by_township
from tests.factories import PersonFactory


def test_twelve_categories_come_with_the_database(db):
    cats = list(KeyCategory.objects.values_list("code", "name"))
    assert [c for c, _ in cats] == [f"kc{i:02d}" for i in range(1, 13)]
    assert ("kc01", "密切接触者") in cats and ("kc03", "入境人员") in cats


@pytest.fixture
def listed(county):
    kc01, kc03 = KeyCategory.objects.get(code="kc01"), KeyCategory.objects.get(code="kc03")
    for area, cats in [
        (county.village_a, [kc01]),
        (county.village_a, [kc01, kc03]),
        (county.village_b, [kc03]),
    ]:
        PersonFactory(area=area).categories.set(cats)
    PersonFactory(area=county.village_a, status="merged").categories.set([kc01])
    return kc01, kc03


def test_counts_per_category_and_township_are_scoped(
    users, county, listed, django_assert_max_num_queries
):
    kc01, kc03 = listed
    assert category_counts(users["county"]) == {kc01.pk: 2, kc03.pk: 2}
    assert category_counts(users["township_a"]) == {kc01.pk: 2, kc03.pk: 1}
    # the registry's generation (core.counts), the grouped count, the township names
    with django_assert_max_num_queries(3):
        towns = counts_by_township(users["county"])
    assert [(t.township.name, t.counts, t.total) for t in towns] == [
        ("钟多街道", {kc01.pk: 2, kc03.pk: 1}, 3),
        ("龙潭镇", {kc03.pk: 1}, 1),
    ]
    assert [t.township.name for t in counts_by_township(users["township_b"])] == ["龙潭镇"]


def test_category_pages(users, county, listed, login):
    kc01, _ = listed
    client = login(users["township_a"])
    page = client.get("/people/categories/").content.decode()
    assert "密切接触者" in page and "钟多街道" in page and "龙潭镇" not in page
    detail = client.get(f"/people/categories/{kc01.pk}/")
    assert detail.status_code == 200
    assert "2 records" in detail.content.decode()
    filtered = client.get(f"/people/categories/{kc01.pk}/?area={county.village_a.pk}")
    assert "2 records" in filtered.content.decode()


def test_only_the_county_manages_categories(users, county, login):
    with pytest.raises(PermissionDenied):
        services.create_category(by=users["township_a"], code="kc13", name="x")
    with pytest.raises(ValidationFailed) as exc:
        services.create_category(by=users["county"], code="kc01", name="")
    assert set(exc.value.fields) == {"code", "name"}
    client = login(users["county"])
    assert (
        client.post(
            "/people/categories/new/",
            {"code": "kc13", "name": "学校师生", "sort_order": 13, "active": "on"},
        ).status_code
        == 302
    )
    kc13 = KeyCategory.objects.get(code="kc13")
    resp = client.post(
        f"/people/categories/{kc13.pk}/edit/",
        {"code": "kc13", "name": "学校师生", "sort_order": 13},
    )
    assert resp.status_code == 302
    kc13.refresh_from_db()
    assert not kc13.active
    assert login(users["township_a"]).get("/people/categories/new/").status_code == 403
