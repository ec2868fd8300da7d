"""The synthetic county: the grid of FACTS.md, valid and unique data, deterministic."""

import pytest
from django.core.management import call_command

from fangkong.areas.models import Area, Responsibility
from fangkong.core.models import AuditLog
from fangkong.people.idnumber import is_mainland_mobile, parse_resident_id
from fangkong.people.models import Household, KeyCategory, Person
from fangkong.people.synthetic import populate
from tests.conftest import kept_for_scope


def snapshot():
    people = list(
        Person.objects.order_by("pk").values_list(
            "name", "name_initials", "sex", "birth_date", "area__code"
        )
    )
    secrets = [(p.id_number, p.phone) for p in Person.objects.order_by("pk")]
    homes = list(Household.objects.order_by("pk").values_list("address", "floor"))
    leads = list(Responsibility.objects.order_by("pk").values_list("area__code", "person_name"))
    return people, secrets, homes, leads


def wipe():
    """Back to the bare county (raw deletes: no cascade into other apps' tables)."""
    for qs in (
        Person.categories.through.objects.all(),
        Person.objects.all(),
        Household.objects.all(),
        Responsibility.objects.all(),
        Area.objects.filter(depth__gte=3),
    ):
        qs._raw_delete(qs.db)
    Area.objects.filter(depth=2).update(numchild=0)


@pytest.fixture(scope="class")
def _county_once(django_db_setup, django_db_blocker):
    """The 600-person county, built once for the class (about 2 s of CPU each time): each
    test runs inside it in a savepoint that is rolled back, so the tests that wipe and
    rebuild it leave it as it was, and the county is gone after the class."""
    with kept_for_scope(django_db_blocker):
        made = populate(600, seed=7)
        assert made == 600
        yield snapshot()


@pytest.fixture
def loaded(_county_once, db):
    return _county_once


class TestTheSyntheticCounty:
    def test_the_grid_is_the_county_of_the_facts(self, loaded):
        assert Area.objects.filter(depth=2).count() == 39
        assert Area.objects.filter(kind="village").count() == 270
        assert Area.objects.filter(kind="community").count() == 8
        communities = Area.objects.filter(kind="community")
        streets = {a.path for a in Area.objects.filter(kind="street")}
        assert all(c.path[:8] in streets for c in communities)
        assert Area.objects.filter(kind="group").count() > 270 * 5
        assert (
            Area.objects.filter(kind="estate").exists()
            and Area.objects.filter(kind="building").exists()
        )
        assert Area.objects.find_problems() == ([], [], [], [], [])

    def test_same_seed_gives_the_same_county(self, loaded):
        wipe()
        populate(600, seed=7)
        assert snapshot() == loaded

    def test_another_seed_gives_another_county(self, loaded):
        wipe()
        populate(600, seed=8)
        assert snapshot()[0] != loaded[0]

    def test_ids_are_valid_and_unique_and_phones_are_mobiles(self, loaded):
        _people, secrets, _homes, _leads = loaded
        ids = [i for i, _p in secrets]
        assert len(set(ids)) == len(ids)
        for number, phone in secrets:
            parse_resident_id(number)
            assert phone == "" or is_mainland_mobile(phone)
        for p in Person.objects.all()[:100]:
            rid = parse_resident_id(p.id_number)
            assert (rid.birth_date, rid.sex) == (p.birth_date, p.sex)

    def test_households_live_in_groups_and_buildings_with_floors(self, loaded):
        kinds = set(Household.objects.values_list("area__kind", flat=True))
        assert kinds <= {"group", "building"}
        assert not Household.objects.filter(area__kind="building", floor__isnull=True).exists()
        assert not Household.objects.filter(area__kind="group", floor__isnull=False).exists()
        assert not Person.objects.exclude(area_id__in=Household.objects.values("area_id")).exists()

    def test_leaders_and_coordinators_at_every_level(self, loaded):
        roles = set(Responsibility.objects.values_list("role", flat=True))
        assert roles >= {"county_leader", "township_leader", "village_cadre", "grid_coordinator",
                         "party_branch", "party_group", "floor_lead"}  # fmt: skip
        assert Responsibility.objects.filter(area__depth=2).count() == 39
        assert all(r.phone for r in Responsibility.objects.all()[:50])

    def test_key_categories_on_a_small_fraction(self, loaded):
        if not KeyCategory.objects.exists():
            pytest.skip("no key categories defined")
        share = Person.objects.filter(categories__isnull=False).distinct().count() / 600
        assert 0.005 < share < 0.06

    def test_the_load_is_one_audit_row(self, loaded):
        assert AuditLog.objects.filter(object_repr="synthetic county").count() == 1
        assert AuditLog.objects.filter(object_type="people.person").count() == 1


def test_demo_command_loads_once_and_reuses(db, settings, tmp_path, capsys):
    settings.VAR_DIR = tmp_path
    call_command("demo", population=300, seed=2, quiet_logins=True)
    first = Person.objects.count()
    call_command("demo", population=300, seed=2, quiet_logins=True)
    assert Person.objects.count() == first == 300
    assert "reusing" in capsys.readouterr().out
