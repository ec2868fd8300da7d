"""A township officer sees only their township; the county sees all."""

from fangkong.people.models import Person


def test_township_officer_sees_only_own_township(users, person_a, person_b):
    visible = set(Person.objects.visible_to(users["township_a"]))
    assert person_a in visible
    assert person_b not in visible


def test_county_sees_every_township(users, person_a, person_b):
    assert set(Person.objects.visible_to(users["county"])) >= {person_a, person_b}


def test_person_page_of_other_township_is_not_found(access, person_a):
    access.check(
        f"/people/persons/{person_a.pk}/",
        allowed=["county", "township_a", "village_a"],
        denied_role=["lab", "admin"],
        other_area=["township_b"],
    )
