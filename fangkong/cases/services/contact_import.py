"""Contacts from an investigator's workbook (密接名单): one row a contact, with Chinese
headers 证件号码 (required), 姓名 (checked against the registry), 类型 (密接 or 次密接,
密接 when empty) and 末次接触日期. Every bad row is reported with its row number and then
nothing is registered; a good sheet is registered as ``register_contacts`` does."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from fangkong.cases.choices import ContactKind
from fangkong.cases.models import Case
from fangkong.cases.services._sheet import as_date, read_rows
from fangkong.cases.services.contacts import ContactEntry, Registered, register_contacts
from fangkong.core.actors import Actor
from fangkong.core.errors import ValidationFailed
from fangkong.core.permissions import require, require_area
from fangkong.people.services.persons import find_by_id_number

HEADERS = {
    "id_number": ("证件号码", "身份证号", "身份证号码", "id number"),
    "name": ("姓名", "name"),
    "kind": ("类型", "密接类型", "kind"),
    "last_exposure": ("末次接触日期", "末次接触时间", "last exposure"),
}
KINDS = {"密接": ContactKind.CLOSE, "密切接触者": ContactKind.CLOSE, "close": ContactKind.CLOSE,
         "次密接": ContactKind.SECONDARY, "密接的密接": ContactKind.SECONDARY,
         "secondary": ContactKind.SECONDARY}  # fmt: skip


def masked_name(name: str) -> str:
    return name[:1] + "*" * (len(name) - 1)


def find_person(v: dict[str, Any]) -> tuple[Any, str | None]:
    """The registry's person of a row's 证件号码 (and 姓名, when given), or why not."""
    person = find_by_id_number(str(v.get("id_number") or "").strip().upper())
    if person is None:
        return None, _("No person with this ID number in the registry: register them first.")
    if v.get("name") and str(v["name"]).strip() != person.name:
        return None, _("The name does not match the registry's (%(name)s).") % {
            "name": masked_name(person.name)
        }
    return person, None


def read_contacts(content: bytes, *, by: Actor) -> list[ContactEntry]:
    """The sheet's rows as contacts to register, or ValidationFailed naming every bad row
    (``row 5``) and the reason."""
    errors: dict[str, list[Any]] = {}
    entries: list[ContactEntry] = []
    for number, v in read_rows(content, HEADERS, required="id_number"):
        person, why = find_person(v)
        kind = KINDS.get(str(v.get("kind") or "密接").strip().lower())
        exposure = None
        if why is None and kind is None:
            why = _("类型 must be 密接 or 次密接.")
        if why is None:
            try:
                exposure = as_date(v.get("last_exposure"))
            except ValueError:
                why = _("末次接触日期 is not a date (YYYY-MM-DD).")
        if why:
            errors.setdefault(f"row {number}", []).append(why)
        else:
            entries.append(ContactEntry(person=person, kind=str(kind), last_exposure=exposure))
    if errors:
        raise ValidationFailed(
            _("Nothing was registered: %(n)d row(s) to correct.") % {"n": len(errors)},
            fields=errors,
        )
    return entries


def import_contacts(case: Case, content: bytes, *, by: Actor) -> list[Registered]:
    """Register the contacts of ``case`` listed in the workbook (all or none)."""
    require(by, "contact.register")
    require_area(by, case.area, field="case")
    return register_contacts(case, read_contacts(content, by=by), by=by)
