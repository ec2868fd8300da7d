"""A synthetic county for demos and benchmarks: households of realistic size, valid resident
ID numbers and mobile numbers, Faker zh_CN names. Deterministic for a seed."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction
from faker import Faker

from fangkong.areas.choices import AreaKind
from fangkong.areas.models import Area
from fangkong.areas.services import add_area
from fangkong.people.idnumber import check_character
from fangkong.people.models import Household, Person
from fangkong.people.services import pinyin_initials

MOBILE_PREFIXES = [
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "157",
    "158",
    "159",
    "166",
    "177",
    "180",
    "181",
    "182",
    "183",
    "186",
    "187",
    "188",
    "189",
    "191",
    "198",
    "199",
]


def make_id_number(
    rng: random.Random, birth: dt.date, male: bool, area_code: str = "500242"
) -> str:
    seq = rng.randrange(0, 500) * 2 + (1 if male else 0)
    first17 = f"{area_code}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_character(first17)


def make_mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(0, 10**8):08d}"


def ensure_villages(per_township: int = 3) -> list[Area]:
    villages = list(Area.objects.filter(depth=3))
    if villages:
        return villages
    for town in Area.objects.filter(depth=2).order_by("code"):
        for i in range(1, per_township + 1):
            kind = AreaKind.COMMUNITY if town.kind == AreaKind.STREET else AreaKind.VILLAGE
            suffix = "社区" if kind == AreaKind.COMMUNITY else "村"
            add_area(
                parent=Area.objects.get(pk=town.pk),
                code=f"{town.code}{i:03d}",
                name=f"{town.name[:-2]}第{i}{suffix}",
                kind=kind,
            )
    return list(Area.objects.filter(depth=3))


@transaction.atomic
def populate(population: int, seed: int = 1, stdout: Any = None) -> int:
    """Add about ``population`` persons in households across the villages; returns the count."""
    rng = random.Random(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    villages = ensure_villages()
    today = dt.date(2022, 11, 23)
    made = 0
    hh_batch: list[Household] = []
    members: list[list[dict]] = []
    while made < population:
        village = villages[rng.randrange(len(villages))]
        size = min(rng.choice([1, 2, 2, 3, 3, 3, 4, 4, 5, 6]), population - made)
        hh_batch.append(Household(area=village, address=f"{village.name}{rng.randint(1, 300)}号"))
        surname = fake.last_name()
        people = []
        for _ in range(size):
            male = rng.random() < 0.51
            birth = today - dt.timedelta(days=rng.randint(0, 90 * 365))
            given = fake.first_name_male() if male else fake.first_name_female()
            people.append({"name": surname + given, "male": male, "birth": birth, "area": village})
        members.append(people)
        made += size
    Household.objects.bulk_create(hh_batch, batch_size=2000)
    persons = []
    for hh, people in zip(hh_batch, members, strict=True):
        for p in people:
            persons.append(
                Person(
                    area=p["area"],
                    household=hh,
                    name=p["name"],
                    name_initials=pinyin_initials(p["name"]),
                    id_number=make_id_number(rng, p["birth"], p["male"]),
                    sex="M" if p["male"] else "F",
                    birth_date=p["birth"],
                    phone=make_mobile(rng) if p["birth"].year < 2008 else "",
                )
            )
    Person.objects.bulk_create(persons, batch_size=2000)
    return made
