"""Finding the person a sampler scanned: an ID number or their personal QR code."""

from __future__ import annotations

import re
from typing import Any

from django.core import signing
from django.utils.translation import gettext as _

from fangkong.core.errors import NotFound, ValidationFailed
from fangkong.people.choices import PersonStatus
from fangkong.people.models import Person

QR_PREFIX = "FKP:"
_signer = signing.Signer(salt="fangkong.testing.person-qr")
RESIDENT_ID_RE = re.compile(r"^\d{17}[\dXx]$")


def person_qr_payload(person: Person) -> str:
    """What a person's QR code holds: their record id, signed so it cannot be forged."""
    return QR_PREFIX + _signer.sign(str(person.pk))


def looks_like_person(code: str) -> bool:
    code = code.strip()
    return code.startswith(QR_PREFIX) or bool(RESIDENT_ID_RE.match(code))


def find_person(code: str, *, field: str = "person") -> Person | None:
    """The person behind a scanned code, None when the code is not a person's at all
    (e.g. a tube barcode). A QR code that fails its signature, or a resident ID number that
    is not in the registry, is an error rather than None."""
    code = (code or "").strip()
    if not code:
        return None
    if code.startswith(QR_PREFIX):
        try:
            pk = int(_signer.unsign(code[len(QR_PREFIX) :]))
        except (signing.BadSignature, ValueError):
            raise ValidationFailed(
                _("This QR code is not a valid personal code."), field=field
            ) from None
        person = Person.objects.select_related("area", "household").filter(pk=pk).first()
        if person is None:
            raise NotFound(_("No person holds this QR code."), field=field)
        return _keeper(person)
    from fangkong.people.services import find_by_id_number

    person = find_by_id_number(code, Person.objects.select_related("area", "household"))
    if person is None and RESIDENT_ID_RE.match(code):
        raise NotFound(
            _("No person with ID number %(masked)s in the registry: register them first.")
            % {"masked": Person._meta.get_field("id_number").mask(code)},
            field=field,
        )
    return _keeper(person) if person is not None else None


def _keeper(person: Any) -> Any:
    if person.status == PersonStatus.MERGED and person.merged_into_id:
        return Person.objects.select_related("area", "household").get(pk=person.merged_into_id)
    return person
