"""Chinese resident ID numbers (GB 11643-1999) and mainland mobile numbers.

The check character (ISO 7064 MOD 11-2) and the birth date are hard rules. The address code
is that of first registration, so it is *not* checked against the birth date (a county code
created after someone's birth is normal; python-stdnum's cn.ric wrongly rejects that).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$", re.ASCII)
# Mainland mobile prefixes (MIIT numbering plan): 13x, 14[5-9], 15[0-35-9], 16[2567],
# 17[0-8], 18x, 19[0-35-9].
_MOBILE_RE = re.compile(r"^1(3\d|4[5-9]|5[0-35-9]|6[2567]|7[0-8]|8\d|9[0-35-9])\d{8}$", re.ASCII)


class IdNumberError(ValueError):
    """Why an ID number is not valid, in the user's language."""


@dataclass(frozen=True)
class ResidentId:
    number: str
    area_code: str
    birth_date: dt.date
    sex: str  # "M" or "F"


def check_character(first17: str) -> str:
    return CHECK[sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11]


def normalise_width(value: str) -> str:
    """Full-width characters typed with a Chinese input method (５００２４２, Ｘ, the
    ideographic space) as their ordinary forms (Unicode NFKC)."""
    return unicodedata.normalize("NFKC", value)


def normalise_id(value: str) -> str:
    """A document number as stored: ordinary width, no spaces, upper case."""
    return "".join(normalise_width(value).split()).upper()


def parse_resident_id(value: str, *, today: dt.date | None = None) -> ResidentId:
    number = normalise_id(value)
    if len(number) != 18:
        raise IdNumberError(
            _("A resident ID number has 18 characters; this one has %(n)d.") % {"n": len(number)}
        )
    if not _ID_RE.match(number):
        raise IdNumberError(_("Only digits, with X allowed as the last character."))
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdNumberError(
            _("The birth date %(d)s in the number does not exist.") % {"d": number[6:14]}
        ) from None
    today = today or dt.date.today()  # noqa: DTZ011 - a date, compared with a date
    if birth > today or birth.year < 1880:
        raise IdNumberError(
            _("The birth date %(d)s in the number is impossible.") % {"d": birth.isoformat()}
        )
    if number[17] != check_character(number[:17]):
        raise IdNumberError(
            _("The check character is wrong (expected %(c)s): a digit was probably mistyped.")
            % {"c": check_character(number[:17])}
        )
    sex = "M" if int(number[16]) % 2 else "F"
    return ResidentId(number=number, area_code=number[:6], birth_date=birth, sex=sex)


def is_mainland_mobile(value: str) -> bool:
    return bool(_MOBILE_RE.match(value))


def normalise_phone(value: str) -> str:
    v = re.sub(r"[\s-]", "", normalise_width(value or ""))
    if v.startswith("+86"):
        v = v[3:]
    elif v.startswith("0086"):
        v = v[4:]
    return v


def validate_phone(value: str) -> str:
    """A normalised mainland mobile number, or IdNumberError saying why not.

    Landlines (with area code, 0xx-) are accepted as entered."""
    v = normalise_phone(value)
    if not v:
        return ""
    if v.startswith("0") and v.isascii() and v.isdigit() and 10 <= len(v) <= 12:
        return v
    if not (v.isascii() and v.isdigit()):
        raise IdNumberError(_("A phone number has only digits."))
    if len(v) != 11:
        raise IdNumberError(_("A mobile number has 11 digits; this one has %(n)d.") % {"n": len(v)})
    if not is_mainland_mobile(v):
        raise IdNumberError(_("%(p)s is not a mainland mobile prefix.") % {"p": v[:3]})
    return v
