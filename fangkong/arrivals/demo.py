"""Demo arrivals, risk areas and checkpoints: risk areas elsewhere, pre-registrations handed
to the demo village (one overdue), a resident away expected back, a high-risk building in
the demo village, and a checkpoint with a morning's vehicles, so that the village cadre,
the township, the county and the checkpoint officer each have something on their pages.

Everything goes through the services, as the users would; loading twice adds nothing."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone

from fangkong.areas.models import Area
from fangkong.arrivals import services
from fangkong.arrivals.models import Arrival, OriginArea
from fangkong.checkpoints import services as checkpoints
from fangkong.checkpoints.models import Checkpoint
from fangkong.core.demo import DEMO_TOWNSHIP_CODE, demo_village
from fangkong.core.models import User
from fangkong.people.synthetic import make_id_number

ORIGINS = [
    ("high", "重庆市", "重庆市", "沙坪坝区", "井口街道"),
    ("high", "广东省", "广州市", "海珠区", ""),
    ("low", "广东省", "广州市", "白云区", ""),
    ("low", "四川省", "成都市", "", ""),
]
FROM = [("重庆市", "重庆市", "沙坪坝区", "井口街道"), ("广东省", "广州市", "白云区", ""),
        ("北京市", "", "", ""), ("广东省", "广州市", "海珠区", "")]  # fmt: skip


def _say(stdout: Any, line: str) -> None:
    if stdout is not None:
        stdout.write(line)


@transaction.atomic
def load_demo_arrivals(stdout: Any = None) -> dict[str, int]:
    if OriginArea.objects.exists() or Arrival.objects.exists():
        _say(stdout, "demo: arrivals already loaded")
        return {}
    boss = User.objects.filter(username="county").first()
    officer = User.objects.filter(username="checkpoint").first()
    township = Area.objects.filter(code=DEMO_TOWNSHIP_CODE).first()
    village = demo_village(township) if township else None
    if boss is None or township is None or village is None:
        return {}
    rng = random.Random(16)
    today = timezone.localdate()
    for level, p, c, x, s in ORIGINS:
        services.save_origin(services.OriginData(level=level, province=p, city=c, county=x, street=s,
                                                 effective_from=today - dt.timedelta(days=4),
                                                 source="演示数据"), by=boss)  # fmt: skip
    villages = [village, *Area.objects.filter(depth=3).exclude(pk=village.pk).order_by("path")[:3]]
    made = []
    for k in range(12):
        origin = FROM[k % len(FROM)]
        birth = dt.date(1970, 1, 1) + dt.timedelta(days=rng.randrange(0, 15000))
        data = services.ArrivalData(
            name=["王", "李", "张", "刘", "陈", "杨"][k % 6] + ["明", "芳", "强", "丽"][k % 4],
            id_number=make_id_number(rng, birth, k % 2 == 0), phone=f"1380013{k:04d}",
            origin_province=origin[0], origin_city=origin[1], origin_county=origin[2],
            origin_street=origin[3], travel_mode="rail" if k % 3 == 0 else "car",
            travel_number=f"G2{k:03d}" if k % 3 == 0 else "", plate="" if k % 3 == 0 else f"渝A{k:05d}",
            arrival_date=today + dt.timedelta(days=k % 3 - 1), area_id=villages[k % len(villages)].pk,
            address=f"幸福路{k + 1}号", test_result="negative_48h",
        )  # fmt: skip
        made.append(services.preregister(data)[0])
    Arrival.objects.filter(pk=made[0].pk).update(ack_due_at=timezone.now() - dt.timedelta(hours=3))
    services.record_away(services.AwayData(
        name="周九", id_number=make_id_number(rng, dt.date(1988, 5, 5), True), area_id=village.pk,
        whereabouts_province="浙江省", whereabouts_city="杭州市", away_since=today - dt.timedelta(days=90),
        expected_return=today + dt.timedelta(days=2)), by=boss)  # fmt: skip
    building = (
        Area.objects.filter(path__startswith=village.path, kind="building").first() or village
    )
    services.designate(area=building, level="high", starts_on=today - dt.timedelta(days=6), by=boss)
    cp = Checkpoint.objects.filter(area=township).first() or checkpoints.create_checkpoint(
        checkpoints.CheckpointData(
            name="G65包茂高速酉阳收费站", area=township, location="包茂高速酉阳出口"
        ),
        by=boss,
    )
    vehicles = []
    for v in range(6):
        persons = [{
            "client_uuid": str(uuid.uuid4()), "name": f"乘客{v}{p}",
            "id_number": make_id_number(rng, dt.date(1980 + v, 1 + p, 1), p % 2 == 0),
            "phone": f"1390013{v}{p:03d}", "driver": p == 0, "origin_province": FROM[v % 4][0],
            "origin_city": FROM[v % 4][1], "origin_county": FROM[v % 4][2], "code_colour": "green",
            "test_48h": (v + p) % 3 != 0, "temperature": "36.6",
            "destination_area_id": village.pk if p == 1 else None, "address": "幸福路99号" if p == 1 else "",
        } for p in range(3)]  # fmt: skip
        vehicles.append({"client_uuid": str(uuid.uuid4()), "checked_at": timezone.now().isoformat(),
                         "plate": f"渝H{v:05d}", "kind": "truck" if v % 2 else "car",
                         "freight": v % 2 == 1, "persons": persons})  # fmt: skip
    report = checkpoints.upload_batch(cp, vehicles=vehicles, by=officer or boss)
    _say(stdout, f"demo: {len(made)} pre-registrations, 1 resident away, 1 high-risk building, "
                 f"checkpoint {cp.name} with {report.vehicles} vehicles and {report.persons} persons")  # fmt: skip
    return {"arrivals": len(made), "vehicles": report.vehicles}
