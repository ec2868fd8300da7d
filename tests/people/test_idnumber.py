"""Resident ID numbers (GB 11643) and mainland mobile numbers."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fangkong.people.idnumber import (
    IdNumberError,
    check_character,
    normalise_id,
    parse_resident_id,
    validate_phone,
)


@pytest.mark.parametrize(
    ("number", "birth", "sex"),
    [
        ("11010519491231002X", dt.date(1949, 12, 31), "F"),
        ("513101198201130014", dt.date(1982, 1, 13), "M"),
        ("360426199101010071", dt.date(1991, 1, 1), "M"),
    ],
)
def test_the_published_examples_are_valid(number, birth, sex):
    rid = parse_resident_id(number)
    assert (rid.birth_date, rid.sex) == (birth, sex)


def test_a_lower_case_x_and_spaces_are_accepted():
    assert parse_resident_id(" 11010519491231002x ").number == "11010519491231002X"


FULL_WIDTH = str.maketrans("0123456789X ", "０１２３４５６７８９Ｘ\u3000")


@pytest.mark.parametrize(
    "typed",
    [
        "513101198201130014".translate(FULL_WIDTH),  # ５１３１０１…, a Chinese input method
        "11010519491231002X".translate(FULL_WIDTH),  # with a full-width Ｘ
        "110105 19491231 002x".translate(FULL_WIDTH),  # ideographic spaces, a lower-case x
        "５１３１０１198201130014",  # half typed in either mode
    ],
)
def test_full_width_digits_x_and_spaces_are_read_as_typed(typed):
    number = normalise_id(typed)
    assert number.isascii() and number in {"513101198201130014", "11010519491231002X"}
    assert parse_resident_id(typed).number == number


def test_other_scripts_digits_are_not_taken_for_digits():
    arabic_indic = "513101198201130014".translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    with pytest.raises(IdNumberError, match="Only digits"):
        parse_resident_id(arabic_indic)


def test_a_phone_typed_in_full_width_is_read_as_typed():
    assert validate_phone("１３８ ００１３ ８０００") == "13800138000"


def test_a_wrong_check_character_is_refused_naming_the_expected_one():
    with pytest.raises(IdNumberError, match=r"check character is wrong \(expected 4\)"):
        parse_resident_id("513101198201130015")


def test_an_impossible_birth_date_is_refused():
    first17 = "50024219900230001"  # 30 February
    with pytest.raises(IdNumberError, match="does not exist"):
        parse_resident_id(first17 + check_character(first17))


def test_a_birth_date_in_the_future_is_refused():
    first17 = "50024220990101001"
    with pytest.raises(IdNumberError, match="impossible"):
        parse_resident_id(first17 + check_character(first17), today=dt.date(2022, 11, 23))


@pytest.mark.parametrize("bad", ["5131011982011300", "51310119820113001A", "A13101198201130014"])
def test_wrong_length_or_characters_are_refused(bad):
    with pytest.raises(IdNumberError):
        parse_resident_id(bad)


def test_an_area_code_created_after_the_birth_is_still_valid():
    # 500242 (Youyang, Chongqing) dates from 1997, when Chongqing became a municipality; a
    # person born in 1950 and first registered there carries it. Do not reject (the trap).
    first17 = "50024219500101001"
    rid = parse_resident_id(first17 + check_character(first17))
    assert rid.area_code == "500242" and rid.birth_date == dt.date(1950, 1, 1)


@given(
    area=st.from_regex(r"[1-8][0-9]{5}", fullmatch=True),
    birth=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2022, 11, 23)),
    seq=st.integers(min_value=0, max_value=999),
)
def test_every_generated_valid_id_round_trips(area, birth, seq):
    first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
    number = first17 + check_character(first17)
    rid = parse_resident_id(number)
    assert rid.number == number
    assert rid.birth_date == birth
    assert rid.sex == ("M" if seq % 2 else "F")
    assert rid.area_code == area


@given(st.from_regex(r"[0-9]{17}", fullmatch=True), st.sampled_from("0123456789X"))
def test_exactly_one_check_character_fits(first17, last):
    try:
        parse_resident_id(first17 + last)
    except IdNumberError as exc:
        assert last != check_character(first17) or "date" in str(exc)


@pytest.mark.parametrize(
    ("value", "normalised"),
    [
        ("13800138000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        ("199 0000 0000", "19900000000"),
        ("023-75551234", "02375551234"),  # a landline with its area code
        ("", ""),
    ],
)
def test_valid_phone_numbers(value, normalised):
    assert validate_phone(value) == normalised


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("12800138000", "not a mainland mobile prefix"),
        ("14000000000", "not a mainland mobile prefix"),
        ("1380013800", "11 digits"),
        ("138001380001", "11 digits"),
        ("1380013800a", "only digits"),
    ],
)
def test_bad_phone_numbers_say_why(value, reason):
    with pytest.raises(IdNumberError, match=reason):
        validate_phone(value)
