"""Scoping by the base view: the generic views and the API helpers scope what they are given,
and ``get_visible_or_404`` is the one look-up, answering alike for another area's object, a
missing one and a malformed id."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404
from django.test import RequestFactory

from fangkong.core.errors import NotFound, NotVisible
from fangkong.core.models import AuditLog
from fangkong.core.scoping import get_all_visible_or_404, get_visible_or_404, scoped
from fangkong.core.views.generic import Column, ObjectDetailView, ObjectListView
from fangkong.people.models import KeyCategory, Person
from fangkong.sites import services as site_services
from fangkong.sites.choices import SiteKind
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


# --- get_visible_or_404 ----------------------------------------------------------------------
def test_the_look_up_finds_an_object_of_the_users_areas(users, person_a):
    assert get_visible_or_404(Person, users["township_a"], pk=person_a.pk) == person_a


@pytest.mark.parametrize("pk", ["other", "missing", "abc", "", None, 2**70])
def test_another_areas_object_reads_as_a_missing_one(users, person_a, person_b, pk):
    wanted = {"other": person_b.pk, "missing": 999_999}.get(pk, pk)
    with pytest.raises(NotVisible) as exc:
        get_visible_or_404(Person, users["township_a"], pk=wanted, error_field="person_id")
    # one answer for all: a 404 for pages (Http404) and the API (NotFound), naming the field
    assert isinstance(exc.value, Http404) and isinstance(exc.value, NotFound)
    assert exc.value.as_dict() == {
        "code": "not_found",
        "message": "No such person within your areas.",
        "fields": {"person_id": ["No such person within your areas."]},
    }


def test_the_look_up_scopes_a_queryset_it_is_given_unscoped(users, person_a, person_b):
    with pytest.raises(NotVisible):
        get_visible_or_404(Person.objects.all(), users["township_a"], pk=person_b.pk)
    assert get_visible_or_404(Person.objects.all(), users["township_b"], pk=person_b.pk) == person_b


def test_a_shared_model_is_open_to_signed_in_users_only(users):
    from django.contrib.auth.models import AnonymousUser

    kc = KeyCategory.objects.get(code="kc01")
    assert get_visible_or_404(KeyCategory, users["township_b"], pk=kc.pk) == kc
    with pytest.raises(NotVisible, match="No such key category."):
        get_visible_or_404(KeyCategory, AnonymousUser(), pk=kc.pk)


def test_a_model_neither_scoped_nor_shared_is_refused_at_once(users):
    with pytest.raises(ImproperlyConfigured, match="core.AuditLog"):
        scoped(AuditLog, users["county"])


def test_a_batch_is_refused_whole_when_one_id_is_not_visible(users, person_a, person_b):
    officer = users["township_a"]
    assert get_all_visible_or_404(
        Person, officer, [person_a.pk, person_a.pk], error_field="ids"
    ) == [person_a]
    with pytest.raises(NotVisible) as exc:
        get_all_visible_or_404(Person, officer, [person_a.pk, person_b.pk], error_field="ids")
    assert "ids" in exc.value.fields


def test_scoping_twice_filters_once(users, person_a):
    """A selector's queryset (already ``visible_to``) is not scoped a second time."""
    qs = Person.objects.visible_to(users["township_a"]).filter(name="张三")
    assert scoped(qs, users["township_a"]) is qs
    again = scoped(qs, users["township_b"])  # another user: scoped for them too
    assert again is not qs and not again.exists()
    assert list(qs) == [person_a]


# --- a view that forgets to scope cannot leak ------------------------------------------------
class ForgetfulList(ObjectListView):
    """A list whose author forgot scoping: it hands over every person."""

    columns = [Column("name", "Name")]

    def get_queryset(self):
        return Person.objects.all()


class ForgetfulDetail(ObjectDetailView):
    template_name = "people/person_detail.html"

    def get_queryset(self):
        return Person.objects.all()


def _as(user, path="/x/"):
    request = RequestFactory().get(path)
    request.user = user
    request.htmx = False
    request.session = {}
    return request


def test_a_list_view_that_hands_over_every_row_shows_only_the_users_areas(
    users, person_a, person_b
):
    view = ForgetfulList()
    view.setup(_as(users["township_a"]))
    _filter, qs = view.filtered()
    assert list(qs) == [person_a]
    view.setup(_as(users["county"]))
    assert set(view.filtered()[1]) == {person_a, person_b}


def test_a_detail_view_that_hands_over_every_row_answers_404_for_another_area(
    users, person_a, person_b
):
    view = ForgetfulDetail()
    view.setup(_as(users["township_a"]), pk=person_b.pk)
    with pytest.raises(Http404):
        view.get_object()
    view.setup(_as(users["township_a"]), pk=person_a.pk)
    assert view.get_object() == person_a


# --- one representative of each kind, as a user of each township -----------------------------
def test_html_list_of_another_area_shows_none_of_its_rows(users, login, person_a, person_b):
    own = login(users["township_a"]).get("/people/persons/")
    other = login(users["township_b"]).get("/people/persons/")
    assert own.status_code == other.status_code == 200
    assert [row.name for row, _v in own.context["rows"]] == ["张三"]
    assert [row.name for row, _v in other.context["rows"]] == ["李四"]
    assert "张三" in own.content.decode() and "张三" not in other.content.decode()


def test_html_detail_of_another_area_is_not_found(users, login, person_a):
    url = f"/people/persons/{person_a.pk}/"
    own = login(users["township_a"]).get(url)
    assert own.status_code == 200 and "张三" in own.content.decode()
    other = login(users["township_b"]).get(url)
    assert other.status_code == 404 and "张三" not in other.content.decode()


def test_api_list_of_another_area_is_empty(users, login, county):
    mine = HouseholdFactory(area=county.village_a, address="桃花路9号")
    own = login(users["township_a"]).get("/api/v1/households").json()
    other = login(users["township_b"]).get("/api/v1/households").json()
    assert [h["id"] for h in own["items"]] == [mine.pk]
    assert own["items"][0]["address"] == "桃花路9号"
    assert other == {"items": [], "count": 0, "count_capped": False}


def test_api_detail_of_another_area_answers_like_a_missing_one(users, login, person_a):
    own = login(users["township_a"]).get(f"/api/v1/persons/{person_a.pk}")
    assert own.status_code == 200 and own.json()["name"] == "张三"
    other = login(users["township_b"]).get(f"/api/v1/persons/{person_a.pk}")
    missing = login(users["township_b"]).get("/api/v1/persons/999999")
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()


@pytest.fixture
def site_a(county, users):
    return site_services.create_site(
        by=users["county"],
        data=site_services.SiteData(
            name="桃花宾馆", kind=SiteKind.HOTEL, address="桃花路1号", area=county.town_a,
            manager_name="王经理", manager_phone="13800138000",
        ),
    )  # fmt: skip


def test_add_rooms_page_of_another_areas_site_is_not_found(users, login, make_user, county, site_a):
    from fangkong.core.roles import Role

    manager_b = make_user(Role.SITE_MANAGER, county.town_b)
    manager_a = make_user(Role.SITE_MANAGER, county.town_a)
    url = f"/sites/{site_a.pk}/rooms/new/"
    own = login(manager_a).get(url)
    assert own.status_code == 200 and 'name="rooms_per_floor"' in own.content.decode()
    assert login(manager_b).get(url).status_code == 404
    form = {"first_floor": 1, "floors": 1, "rooms_per_floor": 2, "first_number": 1, "beds": 1}
    refused = login(manager_b).post(url, form)
    assert refused.status_code == 404
    assert not site_a.rooms.exists()
    done = login(manager_a).post(url, form)
    assert done.status_code == 302 and site_a.rooms.count() == 2
