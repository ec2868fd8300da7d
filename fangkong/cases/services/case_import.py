"""Cases from a workbook (病例信息表, e.g. the list a neighbouring county or the CDC sends):
one row a case, with Chinese headers 证件号码 (required), 姓名 (checked), 类型 (确诊病例 or
无症状感染者), 采样时间, 采样地点 and 报告时间 (now when empty). Each row is registered as by
hand and classified at once; when any row is wrong, every bad row is reported with its
number and nothing is registered."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.cases.choices import CaseKind, CaseOrigin
from fangkong.cases.models import Case
from fangkong.cases.services._sheet import as_datetime, read_rows
from fangkong.cases.services.cases import REGISTER, _register
from fangkong.cases.services.contact_import import find_person
from fangkong.core.actors import Actor
from fangkong.core.errors import DomainError, ValidationFailed
from fangkong.core.permissions import require
from fangkong.core.scoping import user_covers_area

HEADERS = {
    "id_number": ("证件号码", "身份证号", "身份证号码", "id number"),
    "name": ("姓名", "name"),
    "kind": ("类型", "病例类型", "kind"),
    "sampled_at": ("采样时间", "sampled at"),
    "sampling_place": ("采样地点", "sampling place"),
    "reported_at": ("报告时间", "reported at"),
}
KINDS = {"确诊病例": CaseKind.CONFIRMED, "确诊": CaseKind.CONFIRMED,
         "confirmed": CaseKind.CONFIRMED, "无症状感染者": CaseKind.ASYMPTOMATIC,
         "无症状": CaseKind.ASYMPTOMATIC, "asymptomatic": CaseKind.ASYMPTOMATIC}  # fmt: skip


def _aware(value: Any) -> Any:
    at = as_datetime(value)
    return timezone.make_aware(at) if at is not None and timezone.is_naive(at) else at


def import_cases(content: bytes, *, by: Actor) -> list[Case]:
    """Register the cases of the workbook: all of them, or none and every bad row named."""
    require(by, REGISTER)
    rows = read_rows(content, HEADERS, required="id_number")
    errors: dict[str, list[Any]] = {}
    made: list[Case] = []
    with transaction.atomic():
        for number, v in rows:
            key = f"row {number}"
            person, why = find_person(v)
            if why is None and not user_covers_area(by, person.area):
                why = _("%(name)s lives outside your areas.") % {"name": person}
            kind = KINDS.get(str(v.get("kind") or "").strip().lower())
            if why is None and kind is None:
                why = _("类型 must be 确诊病例 or 无症状感染者.")
            if why is None:
                try:
                    sampled, reported = _aware(v.get("sampled_at")), _aware(v.get("reported_at"))
                    made.append(
                        _register(person, kind=str(kind), sampled_at=sampled,
                                  sampling_place=str(v.get("sampling_place") or ""), by=by,
                                  reported_at=reported, origin=CaseOrigin.IMPORT)
                    )  # fmt: skip
                except ValueError:
                    why = _("采样时间 or 报告时间 is not a date and time (YYYY-MM-DD HH:MM).")
                except DomainError as exc:
                    why = str(exc.message)
            if why:
                errors.setdefault(key, []).append(why)
        if errors:
            raise ValidationFailed(
                _("Nothing was registered: %(n)d row(s) to correct.") % {"n": len(errors)},
                fields=errors,
            )
    return made
