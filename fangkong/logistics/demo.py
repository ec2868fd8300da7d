"""Demo supplies and freight passes: a stock point at the demo township's isolation site
with a week of use (one item running low), a checkpoint's stock, an approved freight pass
checked once today and an application waiting for the command centre."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from fangkong.areas.models import Area
from fangkong.core.demo import DEMO_TOWNSHIP_CODE
from fangkong.core.models import User
from fangkong.logistics import services
from fangkong.logistics.choices import StockPointKind
from fangkong.logistics.models import FreightPass, StockPoint, SupplyItem
from fangkong.people.idnumber import check_character


def _driver_id(n: int) -> str:
    first17 = f"50024219800101{n:03d}"
    return first17 + check_character(first17)


def load_demo_logistics(stdout: Any = None) -> None:
    if StockPoint.objects.exists():
        return
    by = User.objects.filter(username="county").first()
    township = Area.objects.filter(code=DEMO_TOWNSHIP_CODE).first()
    county = Area.objects.filter(depth=1).first()
    if by is None or township is None or county is None:
        return
    now = timezone.now()
    point = services.create_point(
        by=by, name="钟多隔离酒店物资库", kind=StockPointKind.SITE, area=township
    )
    items = {i.code: i for i in SupplyItem.objects.all()}
    for code, stock, per_day in (("n95", 3000, 120), ("suit", 300, 40), ("disinfectant", 80, 5),
                                 ("pcr_kit", 1000, 60), ("meal", 1200, 150)):  # fmt: skip
        services.receive(point, items[code], stock, by=by, at=now - dt.timedelta(days=7))
        for d in range(6, -1, -1):
            services.use(point, items[code], per_day, by=by, at=now - dt.timedelta(days=d, hours=2))
    gate = services.create_point(
        by=by, name="G65出口卡口", kind=StockPointKind.CHECKPOINT, area=township
    )
    services.receive(gate, items["surgical_mask"], 500, by=by)
    today = timezone.localdate()

    def application(plate: str, goods_class: str, goods: str, n: int) -> services.PassApplication:
        return services.PassApplication(
            area=county, applicant_name="酉阳县民生保供超市", applicant_role="receiver",
            applicant_phone="13800138000", goods_class=goods_class, goods=goods, plate=plate,
            origin="重庆市秀山县", destination="重庆市酉阳县", valid_from=today,
            valid_to=today + dt.timedelta(days=6),
            crew=[services.CrewData(f"司机{n}", _driver_id(n), "13900139000", now - dt.timedelta(hours=20))],
        )  # fmt: skip

    if not FreightPass.objects.exists():
        ok = services.apply(by=by, data=application("渝A58K21", "daily_needs", "蔬菜、粮油", 1))
        services.approve(ok, by=by)
        services.verify_freight_pass(ok.number, area=township, checkpoint="G65出口卡口")
        services.apply(by=by, data=application("渝H7L302", "medical", "医用防护物资", 2))
    if stdout is not None:
        stdout.write("demo: 2 stock points, 2 freight passes (one approved, one to decide)")
