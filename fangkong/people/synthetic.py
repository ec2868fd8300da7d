"""A synthetic county for demos and benchmarks: the grid of FACTS.md, households of
realistic size (rural larger), Faker zh_CN names, valid and unique resident ID numbers,
valid mobiles, leaders and coordinators at every level, key categories on ~2.5% of persons.

Deterministic for a seed. Built for 850,000 persons in minutes: rows are generated in
chunks and inserted with ``bulk_create`` (large batches, no per-row saves), pinyin initials
are computed once per distinct name, and the whole load is one audit row.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import time
from collections.abc import Iterator
from typing import Any

from django.db import transaction
from faker.providers.person.zh_CN import Provider as ZhNames

from fangkong.areas.models import Area
from fangkong.areas.synthetic import Grid, build_grid, leaves, populate_responsibilities
from fangkong.core import audit
from fangkong.core.db import statements
from fangkong.core.db.bulk import BulkInserter, next_id, reset_sequences
from fangkong.core.db.vendor import is_sqlite
from fangkong.people.idnumber import check_character
from fangkong.people.models import Household, KeyCategory, Person
from fangkong.people.services import pinyin_initials

MOBILE_PREFIXES = [
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155",
    "157", "158", "159", "166", "177", "180", "181", "182", "183", "186", "187", "188", "189",
    "191", "198", "199",
]  # fmt: skip
REFERENCE_DAY = dt.date(2022, 11, 23)  # the seed's day: ages are counted from it
URBAN_SHARE = 0.22  # persons living in the county town's buildings
# Household sizes and their weights: rural households are larger.
RURAL_SIZES = ((1, 2, 3, 4, 5, 6, 7), (8, 18, 22, 24, 16, 8, 4))
URBAN_SIZES = ((1, 2, 3, 4, 5, 6), (15, 28, 30, 18, 7, 2))
# Where people were first registered (ID area codes): mostly here, some from elsewhere.
BIRTH_AREAS = (("500242", 88), ("500241", 3), ("500243", 3), ("522227", 2), ("433130", 2), ("500101", 2))  # fmt: skip
KEY_CATEGORY_SHARE = 0.025
CHUNK = 25_000  # persons generated and inserted per round


def make_id_number(
    rng: random.Random, birth: dt.date, male: bool, area_code: str = "500242"
) -> str:
    seq = rng.randrange(0, 500) * 2 + (1 if male else 0)
    first17 = f"{area_code}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_character(first17)


def make_mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(0, 10**8):08d}"


class Names:
    """Chinese names from Faker's zh_CN lists (weighted surnames; given names of one or two
    characters), drawn from our own generator: fast and deterministic."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.surnames = list(ZhNames.last_names)
        self.cum = list(itertools.accumulate(ZhNames.last_names.values()))
        self.male = list(ZhNames.first_names_male)
        self.female = list(ZhNames.first_names_female)
        self.initials: dict[str, str] = {}

    def surname(self) -> str:
        return self.rng.choices(self.surnames, cum_weights=self.cum)[0]

    def given(self, male: bool) -> str:
        pool = self.male if male else self.female
        given = self.rng.choice(pool)
        if len(given) == 1 and self.rng.random() < 0.55:
            given = self.rng.choice(pool)[0] + given
        return given

    def full(self, male: bool | None = None) -> str:
        return self.surname() + self.given(self.rng.random() < 0.5 if male is None else male)

    def initials_of(self, name: str) -> str:
        got = self.initials.get(name)
        if got is None:
            got = self.initials[name] = pinyin_initials(name)
        return got


class IdNumbers:
    """Valid resident ID numbers, never the same twice in one run."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.codes = [c for c, _w in BIRTH_AREAS]
        self.cum = list(itertools.accumulate(w for _c, w in BIRTH_AREAS))
        self.used: set[str] = set()

    def make(self, birth: dt.date, male: bool) -> str:
        area = self.rng.choices(self.codes, cum_weights=self.cum)[0]
        while True:
            number = make_id_number(self.rng, birth, male, area)
            if number not in self.used:
                self.used.add(number)
                return number


def ensure_villages(per_township: int = 3) -> list[Area]:
    """The grid's villages and communities (the grid is built when missing)."""
    build_grid(random.Random(0))
    return list(Area.objects.filter(depth=3))


def _allocate(rng: random.Random, total: int, n: int) -> list[int]:
    """``total`` split over ``n`` places with some spread (weights 0.5..1.5)."""
    if n == 0:
        return []
    weights = [0.5 + rng.random() for _ in range(n)]
    scale = total / sum(weights)
    out, acc, given = [], 0.0, 0
    for w in weights:
        acc += w * scale
        k = round(acc) - given
        out.append(k)
        given += k
    return out


def _households(rng: random.Random, grid: Grid, population: int) -> Iterator[tuple]:
    """(area, address, floor, size, urban) for every household, leaf by leaf."""
    urban_total = round(population * URBAN_SHARE) if grid.buildings else 0
    rural_total = population - urban_total if grid.groups else 0
    urban_total = population - rural_total
    for (area, prefix), target in zip(
        grid.groups, _allocate(rng, rural_total, len(grid.groups)), strict=True
    ):
        n = 0
        while target > 0:
            n += 1
            size = min(rng.choices(*RURAL_SIZES)[0], target)
            target -= size
            yield area, f"{prefix}{n}号", None, size, False
    for (area, prefix, floors), target in zip(
        grid.buildings, _allocate(rng, urban_total, len(grid.buildings)), strict=True
    ):
        slot = 0
        while target > 0:
            unit, rest = divmod(slot, floors * 4)
            floor, room = divmod(rest, 4)
            slot += 1
            size = min(rng.choices(*URBAN_SIZES)[0], target)
            target -= size
            address = f"{prefix}{unit + 1}单元{floor + 1}{room + 1:02d}室"
            yield area, address, floor + 1, size, True


def _members(rng: random.Random, names: Names, size: int) -> list[tuple[str, bool, dt.date]]:
    """(name, male, birth) of a household's members: adults first, sharing a surname."""
    surname = names.surname()
    out = []
    for i in range(size):
        male = rng.random() < (0.55 if i == 0 else 0.49)
        if i == 0:
            age_days = rng.randint(22 * 365, 85 * 365)
        elif i == 1:
            age_days = rng.randint(20 * 365, 85 * 365)
        else:
            age_days = rng.randint(0, 90 * 365)
        own = surname if i != 1 else names.surname()  # a spouse keeps their own surname
        out.append((own + names.given(male), male, REFERENCE_DAY - dt.timedelta(days=age_days)))
    return out


class _Loader:
    """Households, persons and their key categories, inserted chunk by chunk with ids
    assigned here (see ``fangkong.core.db.bulk``)."""

    HOUSEHOLD = ("id", "area_id", "address", "floor")
    PERSON = ("id", "area_id", "household_id", "name", "name_initials", "id_number", "sex",
              "birth_date", "phone")  # fmt: skip

    def __init__(self, rng: random.Random, cats: list[int]):
        self.rng, self.cats = rng, cats
        self.households = BulkInserter(Household, self.HOUSEHOLD)
        self.persons = BulkInserter(Person, self.PERSON)
        self.through = Person.categories.through
        self.links = BulkInserter(self.through, ("person_id", "keycategory_id"))
        self.next_household, self.next_person = next_id(Household), next_id(Person)
        self.hh_rows: list[tuple] = []
        self.person_rows: list[tuple] = []
        self.link_rows: list[tuple[int, int]] = []
        self.made = 0

    def household(self, area_id: int, address: str, floor: int | None) -> int:
        pk = self.next_household
        self.next_household += 1
        self.hh_rows.append((pk, area_id, address, floor))
        return pk

    def person(self, row: tuple) -> None:
        pk = self.next_person
        self.next_person += 1
        self.person_rows.append((pk, *row))
        if self.cats and self.rng.random() < KEY_CATEGORY_SHARE:
            picked = {self.rng.choice(self.cats)}
            if self.rng.random() < 0.1:
                picked.add(self.rng.choice(self.cats))
            self.link_rows += [(pk, c) for c in sorted(picked)]

    def flush(self) -> None:
        self.households.insert(self.hh_rows)
        self.made += self.persons.insert(self.person_rows)
        self.links.insert(self.link_rows)
        self.hh_rows, self.person_rows, self.link_rows = [], [], []

    def finish(self) -> int:
        self.flush()
        reset_sequences(Household, Person, self.through)
        return self.made


def _bulk_load_pragmas() -> None:
    if is_sqlite():
        statements.execute("PRAGMA cache_size=-400000")  # ~400 MB of page cache for the indexes


@transaction.atomic
def populate(population: int, seed: int = 1, stdout: Any = None) -> int:
    """The county's grid (when missing), who answers for it, and about ``population``
    persons in households; returns the number of persons created."""
    started = time.monotonic()
    rng = random.Random(seed)
    names, ids = Names(rng), IdNumbers(rng)
    _bulk_load_pragmas()
    build_grid(rng)
    populate_responsibilities(rng, names.full, lambda: make_mobile(rng))
    grid = leaves()
    cats = list(
        KeyCategory.objects.filter(active=True).order_by("code").values_list("pk", flat=True)
    )
    load = _Loader(rng, cats)
    pending = 0
    for area, address, floor, size, _urban in _households(rng, grid, population):
        hh = load.household(area.pk, address, floor)
        for name, male, birth in _members(rng, names, size):
            adult = (REFERENCE_DAY - birth).days >= 14 * 365
            phone = make_mobile(rng) if adult and rng.random() < 0.92 else ""
            sex = "M" if male else "F"
            initials = names.initials_of(name)
            load.person((area.pk, hh, name, initials, ids.make(birth, male), sex, birth, phone))
        pending += size
        if pending >= CHUNK:
            load.flush()
            pending = 0
            if stdout is not None:
                stdout.write(f"  {load.made:,} persons ({time.monotonic() - started:.0f}s)")
    made = load.finish()
    from fangkong.core import counts
    from fangkong.people import fragments
    from fangkong.people.duplicates import rescan_all

    rescan_all()  # bulk-loaded: the likely duplicates in one pass
    fragments.rebuild_all()  # and the search index
    counts.changed(counts.PERSONS)
    audit.record(
        audit.Action.CREATE,
        by=None,
        object_type="people.person",
        object_repr="synthetic county",
        detail=f"demo load: {made} persons, seed {seed}",
    )
    return made
