"""The daily report (疫情防控工作日报): the day's figures, from the same selectors as the
page, archived with a PDF and an Excel workbook. A version is never changed; a rebuild
adds the next version and lists what changed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fangkong.areas.models import Area
from fangkong.command import report_files
from fangkong.command.models import DailyReport
from fangkong.command.selectors import AreaViewer, check_not_future, picture
from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.errors import NotFound
from fangkong.core.figures import day_bounds
from fangkong.core.permissions import require, require_area


def cutoff_time() -> dt.time:
    """The report's cut-off in local time (``FANGKONG_REPORT_CUTOFF``, "24:00" by
    default: the whole day)."""
    value = getattr(settings, "FANGKONG_REPORT_CUTOFF", "24:00")
    return dt.time.max if value == "24:00" else dt.time.fromisoformat(value)


def cutoff_of(day: dt.date) -> dt.datetime:
    if cutoff_time() == dt.time.max:
        return day_bounds(day)[1]
    return dt.datetime.combine(day, cutoff_time(), tzinfo=timezone.get_current_timezone())


def diff(before: dict[str, Any] | None, after: dict[str, Any]) -> list[dict[str, Any]]:
    """The figures whose value, or count in a township, differs between two versions."""
    if before is None:
        return []

    def flat(data: dict[str, Any]) -> dict[str, tuple[str, Any]]:
        out: dict[str, tuple[str, Any]] = {}
        towns = data.get("townships", {})
        for s in data["sections"]:
            for f in s["figures"]:
                out[f["key"]] = (f["label"], f["value"])
                for path, v in (f.get("by_township") or {}).items():
                    name = towns.get(path, path)
                    out[f"{f['key']}@{path}"] = (f"{f['label']} · {name}", v)
        return out

    a, b = flat(before), flat(after)
    changes = []
    for key in list(a) + [k for k in b if k not in a]:
        old, new = a.get(key, ("", None)), b.get(key, ("", None))
        if old[1] != new[1]:
            changes.append({"key": key, "label": new[0] or old[0], "before": old[1],
                            "after": new[1]})  # fmt: skip
    return changes


def _words() -> dict[str, str]:
    return {
        "figure": _("Figure"), "value": _("Value"), "unit": _("Unit"), "note": _("Note"),
        "section": _("Section"), "township": _("Township"), "by_township": _("By township"),
        "series": _("Day by day"), "figures": _("Figures"),
        "changes": _("Changes from the previous version"), "before": _("Before"),
        "after": _("After"),
    }  # fmt: skip


def report_area(by: Any) -> Area:
    """The area a user's report covers: their (first) area."""
    paths = list(by.area_paths)
    if not paths:
        raise NotFound(_("No such area within your areas."), field="area")
    return Area.objects.get(path=paths[0])


def build_report(area: Area | None, day: dt.date, *, by: Actor | None = None) -> DailyReport:
    """Build the next version of ``area``'s report for ``day`` (by a user: their area;
    by the scheduled task: ``by=None``). A future day is refused."""
    if by is not None:
        require(by, "report.build")
        area = area or report_area(by)
        require_area(by, area)
    assert area is not None
    check_not_future(day)
    with translation.override(settings.LANGUAGE_CODE):
        data = picture(AreaViewer(area), day).as_dict()
        data["area"] = area.name
        previous = DailyReport.objects.filter(area=area, day=day).order_by("-version").first()
        changes = diff(previous.figures if previous else None, data)
        version = previous.version + 1 if previous else 1
        title = _("Daily report of epidemic prevention and control (疫情防控工作日报)")
        subtitle = _("%(area)s · %(day)s · version %(v)s · figures as of %(cutoff)s") % {
            "area": area.name, "day": day.isoformat(), "v": version,
            "cutoff": timezone.localtime(cutoff_of(day)).strftime("%Y-%m-%d %H:%M"),
        }  # fmt: skip
        words = _words()
        pdf = report_files.build_pdf(data, title=title, subtitle=subtitle, words=words,
                                     changes=changes)  # fmt: skip
        xlsx = report_files.build_xlsx(data, words=words, changes=changes)
    try:
        with transaction.atomic():
            report = DailyReport.objects.create(
                area=area, day=day, version=version, built_by=by, cutoff=cutoff_of(day),
                figures=data, changes=changes, pdf=pdf, xlsx=xlsx,
            )  # fmt: skip
            audit.record(
                audit.Action.CREATE, report, by=by,
                detail=f"daily report {day.isoformat()} v{version}, {len(changes)} changes",
            )  # fmt: skip
    except IntegrityError:  # another build of the same version won the race: build again
        return build_report(area, day, by=by)
    return report


def build_due_reports(now: dt.datetime | None = None) -> list[DailyReport]:
    """The scheduled build: yesterday's report for each top-level area, unless built."""
    now = now or timezone.now()
    day = timezone.localdate(now) - dt.timedelta(days=1)
    out = []
    for area in Area.objects.filter(depth=1):
        if not DailyReport.objects.filter(area=area, day=day).exists():
            out.append(build_report(area, day))
    return out
