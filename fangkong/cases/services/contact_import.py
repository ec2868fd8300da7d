"""Contacts from an investigator's workbook (密接名单): one row a contact, with Chinese
headers 证件号码 (required), 姓名 (checked against the registry), 类型 (密接 or 次密接,
密接 when empty) and 末次接触日期. Every bad row is reported with its row number and then
nothing is registered; a good sheet is registered as ``register_contacts`` does."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from fangkong.cases.choices import ContactKind
from fangkong.cases.models import Case
from fangkong.cases.services.contacts import ContactEntry, Registered, register_contacts
from fangkong.core.actors import Actor
from fangkong.core.errors import ValidationFailed
from fangkong.core.permissions import require, require_area
from fangkong.core.xlsx import SheetReader, check_workbook, find_header
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
MAX_ROWS = 2000


def _key(cell: Any) -> str | None:
    text = str(cell or "").strip().lower()
    return next((k for k, names in HEADERS.items() if text in names), None)


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip().replace("/", "-"))
    except ValueError:
        raise ValueError(str(value)) from None


def read_contacts(content: bytes, *, by: Actor) -> list[ContactEntry]:
    """The sheet's rows as contacts to register, or ValidationFailed naming every bad row
    (``row 5``) and the field."""
    check_workbook(content)
    errors: dict[str, list[Any]] = {}
    entries: list[ContactEntry] = []
    with SheetReader(content) as book:
        header = find_header(book, lambda cells: sum(_key(c) is not None for c in cells))
        columns = {i: k for i, c in enumerate(header.cells) if (k := _key(c))} if header else {}
        if "id_number" not in columns.values():
            raise ValidationFailed(_("The sheet has no column 证件号码 (ID number)."), field="file")
        assert header is not None
        rows = book.rows(header.path)
        try:
            for number, cells in rows:
                if number <= header.number:
                    continue
                v = {k: cells[i] if i < len(cells) else None for i, k in columns.items()}
                if all(x in (None, "") for x in v.values()):
                    continue
                if len(entries) + len(errors) >= MAX_ROWS:
                    raise ValidationFailed(_("At most %(n)d rows.") % {"n": MAX_ROWS}, field="file")
                key = f"row {number}"
                person = find_by_id_number(str(v.get("id_number") or "").strip().upper())
                kind = KINDS.get(str(v.get("kind") or "密接").strip().lower())
                why = None
                exposure = None
                if person is None:
                    why = _("No person with this ID number in the registry: register them first.")
                elif v.get("name") and str(v["name"]).strip() != person.name:
                    why = _("The name does not match the registry's (%(name)s).") % {
                        "name": person.name[:1] + "*" * (len(person.name) - 1)
                    }
                elif kind is None:
                    why = _("类型 must be 密接 or 次密接.")
                if why is None:
                    try:
                        exposure = _date(v.get("last_exposure"))
                    except ValueError:
                        why = _("末次接触日期 is not a date (YYYY-MM-DD).")
                if why:
                    errors.setdefault(key, []).append(why)
                    continue
                entries.append(ContactEntry(person=person, kind=str(kind), last_exposure=exposure))
        finally:
            rows.close()
    if errors:
        raise ValidationFailed(
            _("Nothing was registered: %(n)d row(s) to correct.") % {"n": len(errors)},
            fields=errors,
        )
    if not entries:
        raise ValidationFailed(_("The sheet has no contact rows."), field="file")
    return entries


def import_contacts(case: Case, content: bytes, *, by: Actor) -> list[Registered]:
    """Register the contacts of ``case`` listed in the workbook (all or none)."""
    require(by, "contact.register")
    require_area(by, case.area, field="case")
    return register_contacts(case, read_contacts(content, by=by), by=by)
