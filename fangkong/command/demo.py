"""Demo command centre: two departments, three directives (one to the demo township
acknowledged, one overdue, one to a department) and yesterday's daily report, so that the
county and township logins see the board, the bell and an archived report."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from fangkong.areas.models import Area
from fangkong.command.models import DailyReport, Department, Directive
from fangkong.command.services import directives, reports
from fangkong.core.demo import DEMO_TOWNSHIP_CODE
from fangkong.core.models import User
from fangkong.core.workqueue import TOWNSHIP_DEPTH


def load_demo_command(stdout: Any = None) -> dict[str, int]:
    county_user = User.objects.filter(username="county").first()
    township_user = User.objects.filter(username="township").first()
    if county_user is None or Directive.objects.exists():
        return {"directives": 0, "reports": 0}
    county = Area.objects.get(depth=1)
    township = Area.objects.get(code=DEMO_TOWNSHIP_CODE)
    health, _c = Department.objects.get_or_create(
        name="县卫生健康委员会", defaults={"area": county}
    )
    Department.objects.get_or_create(name="县交通运输局", defaults={"area": county})
    health.members.add(county_user)
    others = list(Area.objects.filter(depth=TOWNSHIP_DEPTH).exclude(pk=township.pk)[:2])
    now = timezone.now()
    first = directives.issue(
        by=county_user, title="今日完成返乡人员排查", body="逐户排查近 7 日返乡人员，报送台账。",
        deadline=now + dt.timedelta(hours=20), areas=[township, *others],
    )  # fmt: skip
    if township_user is not None:
        r = first.recipients.get(area=township, department__isnull=True)
        r = directives.acknowledge(r, by=township_user)
        directives.report_progress(r, by=township_user, note="已排查 3 个社区，共 412 户")
    late = directives.issue(
        by=county_user, title="补齐隔离点物资清单", body="按床位数核对防护物资。",
        deadline=now + dt.timedelta(minutes=1), areas=others[:1] or [township],
    )  # fmt: skip
    Directive.objects.filter(pk=late.pk).update(deadline=now - dt.timedelta(hours=3))
    directives.notify_overdue()
    directives.issue(
        by=county_user, title="增派采样人员", body="向重点乡镇增派 20 名采样人员。",
        deadline=now + dt.timedelta(days=1), departments=[health],
    )  # fmt: skip
    built = 0
    if not DailyReport.objects.exists():
        reports.build_report(county, timezone.localdate() - dt.timedelta(days=1))
        built = 1
    if stdout is not None:
        stdout.write(f"demo: 3 directives, {built} daily report")
    return {"directives": 3, "reports": built}
