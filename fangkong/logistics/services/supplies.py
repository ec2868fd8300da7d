"""Supplies and protective equipment at stock points: receipts and use (stock never
negative: refused, nothing written), days of stock left at the recent rate, reorder
alerts to the people who manage supplies there."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.errors import Conflict, ValidationFailed
from fangkong.core.notifications import notify, recipients
from fangkong.core.permissions import require, require_area
from fangkong.logistics.choices import MovementKind, StockPointKind
from fangkong.logistics.models import Stock, StockMovement, StockPoint, SupplyItem

RATE_DAYS = 7  # the recent rate: use over the last 7 days
MAX_QUANTITY = 10_000_000


@transaction.atomic
def create_point(
    *, by: Actor, name: str, kind: str, area: Any, reorder_days: int = 3
) -> StockPoint:
    require(by, "supply.manage")
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed(_("A name of 1 to 100 characters."), field="name")
    if kind not in StockPointKind.values:
        raise ValidationFailed(_("Unknown kind."), field="kind")
    if not 1 <= int(reorder_days) <= 60:
        raise ValidationFailed(_("Between 1 and 60 days."), field="reorder_days")
    if area is None:
        raise ValidationFailed(_("An area is required."), field="area")
    require_area(by, area)
    point = StockPoint.objects.create(
        name=name, kind=kind, area=area, reorder_days=int(reorder_days), created_by=by
    )
    audit.record(audit.Action.CREATE, point, by=by, after=audit.snapshot(point))
    return point


def _check_quantity(quantity: Any) -> int:
    try:
        q = int(quantity)
    except (TypeError, ValueError):
        q = 0
    if not 1 <= q <= MAX_QUANTITY:
        raise ValidationFailed(
            _("A quantity between 1 and %(n)d.") % {"n": MAX_QUANTITY}, field="quantity"
        )
    return q


def _move(
    point: StockPoint, item: SupplyItem, kind: str, quantity: Any, *, by: Actor, note: str,
    at: dt.datetime | None,
) -> StockMovement:  # fmt: skip
    require(by, "supply.manage")
    require_area(by, point.area, field="point")
    q = _check_quantity(quantity)
    stock, _new = Stock.objects.select_for_update().get_or_create(point=point, item=item)
    # select_for_update again: get_or_create's row is the locked one only when it existed
    stock = Stock.objects.select_for_update().get(pk=stock.pk)
    balance = stock.quantity + q if kind == MovementKind.RECEIPT else stock.quantity - q
    if balance < 0:
        raise Conflict(
            _("Only %(have)d %(unit)s of %(item)s in stock: %(q)d cannot be used.")
            % {"have": stock.quantity, "unit": item.unit, "item": item.name, "q": q},
            field="quantity",
        )
    stock.quantity = balance
    fields = ["quantity"]
    if kind == MovementKind.RECEIPT:
        stock.alerted_at = None  # a receipt re-arms the reorder alert
        fields.append("alerted_at")
    stock.save(update_fields=fields)
    movement = StockMovement.objects.create(
        point=point, item=item, kind=kind, quantity=q, balance=balance,
        at=at or timezone.now(), note=(note or "").strip()[:200], created_by=by,
    )  # fmt: skip
    audit.record(audit.Action.CREATE, movement, by=by, after=audit.snapshot(movement))
    if kind == MovementKind.USE:
        _maybe_alert(stock, point, item)
    return movement


@transaction.atomic
def receive(
    point: StockPoint, item: SupplyItem, quantity: Any, *, by: Actor, note: str = "",
    at: dt.datetime | None = None,
) -> StockMovement:  # fmt: skip
    """Supplies received at the point (入库)."""
    return _move(point, item, MovementKind.RECEIPT, quantity, by=by, note=note, at=at)


@transaction.atomic
def use(
    point: StockPoint, item: SupplyItem, quantity: Any, *, by: Actor, note: str = "",
    at: dt.datetime | None = None,
) -> StockMovement:  # fmt: skip
    """Supplies used or handed out (领用); more than the stock holds is refused."""
    return _move(point, item, MovementKind.USE, quantity, by=by, note=note, at=at)


def daily_rate(point_id: int, item_id: int, *, now: dt.datetime | None = None) -> float:
    now = now or timezone.now()
    used = StockMovement.objects.filter(
        point_id=point_id, item_id=item_id, kind=MovementKind.USE,
        at__gte=now - dt.timedelta(days=RATE_DAYS),
    ).aggregate(n=Sum("quantity"))["n"] or 0  # fmt: skip
    return used / RATE_DAYS


def days_left(quantity: int, rate: float) -> float | None:
    """Days the stock lasts at ``rate`` a day; None when nothing is being used."""
    if rate <= 0:
        return None
    return round(quantity / rate, 1)


@dataclass(frozen=True)
class StockLine:
    point_id: int
    point: str
    item_id: int
    item: str
    unit: str
    quantity: int
    rate: float
    days_left: float | None
    reorder: bool


def _maybe_alert(stock: Stock, point: StockPoint, item: SupplyItem) -> None:
    left = days_left(stock.quantity, daily_rate(point.pk, item.pk))
    if left is None or left >= point.reorder_days or stock.alerted_at is not None:
        return
    stock.alerted_at = timezone.now()
    stock.save(update_fields=["alerted_at"])
    title = _("Reorder %(item)s at %(point)s: %(days)s days of stock left.") % {
        "item": item.name, "point": point.name, "days": left,
    }  # fmt: skip
    url = reverse("logistics:point_detail", args=[point.pk])
    transaction.on_commit(
        lambda: notify(
            recipients("supply.manage", point.area),
            kind="reorder",
            title=title,
            url=url,
            area=point.area,
        )  # fmt: skip
    )
