"""Demo essential workers and rosters: a courier depot in the demo township with its
employer's account (login ``employer``), twenty workers from the county's persons (some
due today, some overdue), an isolation-site team in a closed loop; a checkpoint staff pool
with a published roster. Everything goes through the services, as the users would."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from fangkong.areas.models import Area
from fangkong.core.demo import DEMO_TOWNSHIP_CODE
from fangkong.core.models import User
from fangkong.people.choices import PersonStatus
from fangkong.people.models import Person
from fangkong.workforce import services
from fangkong.workforce.choices import PoolKind
from fangkong.workforce.models import Employer, Sector, Worker


def load_demo_workforce(stdout: Any = None) -> None:
    if Employer.objects.exists():
        return
    by = User.objects.filter(username="county").first()
    township = Area.objects.filter(code=DEMO_TOWNSHIP_CODE).first()
    if by is None or township is None:
        return
    persons = list(
        Person.objects.filter(area__path__startswith=township.path, status=PersonStatus.ACTIVE)
        .exclude(id_number="")
        .order_by("pk")[:30]
    )
    depot = services.create_employer(by=by, data=services.EmployerData(
        name="顺丰速运钟多营业部", code="91500242MA5U0DEM01", sector=Sector.objects.get(code="courier"),
        area=township, contact_name="王经理"))  # fmt: skip
    site = services.create_employer(by=by, data=services.EmployerData(
        name="钟多隔离酒店工作专班", code="91500242MA5U0DEM02",
        sector=Sector.objects.get(code="isolation_site"), area=township))  # fmt: skip
    employer_login = User.objects.filter(username="employer").first()
    if employer_login is not None:
        services.add_account(depot, employer_login, by=by)
    today = timezone.localdate()
    for i, p in enumerate(persons[:20]):
        w, _ = services.add_worker(depot, by=by, name=p.name, id_number=p.id_number, post="快递员")
        # joined some days ago without a test yet: due today or overdue
        Worker.objects.filter(pk=w.pk, last_sampled_at__isnull=True).update(
            joined_on=today - dt.timedelta(days=i % 3), next_due_on=today - dt.timedelta(days=i % 3)
        )
    for p in persons[20:26]:
        services.add_worker(site, by=by, name=p.name, id_number=p.id_number, post="保洁消杀",
                            in_loop=True, loop_place="钟多隔离酒店")  # fmt: skip
    pool = services.create_pool(
        by=by, name="钟多高速卡口专班", kind=PoolKind.CHECKPOINT, area=township
    )
    shifts = [{"name": "早班", "start": "08:00", "hours": 8, "needed": 2},
              {"name": "中班", "start": "16:00", "hours": 8, "needed": 2},
              {"name": "夜班", "start": "00:00", "hours": 8, "needed": 1}]  # fmt: skip
    services.add_post(pool, by=by, name="G65出口卡口", shifts=shifts)
    services.add_post(pool, by=by, name="测温登记", qualification="医护",
                      shifts=[{"name": "白班", "start": "08:00", "hours": 12, "needed": 1}])  # fmt: skip
    for i in range(12):
        services.add_member(
            pool, by=by, name=f"卡口队员{i + 1}", qualifications=["医护"] if i < 4 else []
        )
    roster = services.solve_roster(pool, by=by, start=today, days=7, seconds=5)
    services.publish(roster, by=by)
    if stdout is not None:
        stdout.write("demo: 2 employers, 26 essential workers, a checkpoint roster published")
