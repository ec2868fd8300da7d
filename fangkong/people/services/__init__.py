"""Writes on persons, households and key categories (re-exported here for callers)."""

from fangkong.people.services.categories import create_category, update_category
from fangkong.people.services.households import create_household, update_household
from fangkong.people.services.merge import merge_persons
from fangkong.people.services.persons import (
    PersonData,
    StaleVersion,
    clean_person_data,
    create_person,
    find_by_id_number,
    persons_written,
    pinyin_initials,
    update_person,
)

__all__ = [
    "PersonData",
    "StaleVersion",
    "clean_person_data",
    "create_category",
    "create_household",
    "create_person",
    "find_by_id_number",
    "merge_persons",
    "persons_written",
    "pinyin_initials",
    "update_category",
    "update_household",
    "update_person",
]
