"""Reads of supplies and freight passes: stock with days left, what runs out soon, the
passes, the figures of the command centre and the work queues."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.actors import Actor
from fangkong.core.figures import Figure
from fangkong.core.workqueue import per_township
from fangkong.logistics.choices import MovementKind, PassStatus, Verdict
from fangkong.logistics.models import FreightPass, PassCheck, Stock, StockMovement, StockPoint
from fangkong.logistics.services.supplies import RATE_DAYS, StockLine, days_left


def stock_lines(
    user: Actor, *, point: StockPoint | None = None, now: dt.datetime | None = None
) -> list[StockLine]:
    """Every item held at the user's points with its recent daily use and days left: two
    grouped queries, whatever the number of points."""
    now = now or timezone.now()
    stock = Stock.objects.visible_to(user).select_related("point", "item")
    moves = StockMovement.objects.visible_to(user).filter(
        kind=MovementKind.USE, at__gte=now - dt.timedelta(days=RATE_DAYS)
    )
    if point is not None:
        stock = stock.filter(point=point)
        moves = moves.filter(point=point)
    used = {
        (r["point_id"], r["item_id"]): r["n"]
        for r in moves.values("point_id", "item_id").annotate(n=Sum("quantity")).order_by()
    }
    out = []
    for s in stock.order_by("point__name", "item__category", "item__code"):
        rate = used.get((s.point_id, s.item_id), 0) / RATE_DAYS
        left = days_left(s.quantity, rate)
        out.append(StockLine(s.point_id, s.point.name, s.item_id, s.item.name, s.item.unit,
                             s.quantity, round(rate, 1), left,
                             left is not None and left < s.point.reorder_days))  # fmt: skip
    return out


def running_out(
    user: Actor, *, within_days: float = 3, now: dt.datetime | None = None
) -> list[StockLine]:
    return [
        line for line in stock_lines(user, now=now)
        if line.days_left is not None and line.days_left < within_days
    ]  # fmt: skip


def passes_for(user: Actor) -> QuerySet[FreightPass]:
    return FreightPass.objects.visible_to(user)


def active_passes(user: Actor, day: dt.date) -> QuerySet[FreightPass]:
    return passes_for(user).filter(
        status=PassStatus.APPROVED, valid_from__lte=day, valid_to__gte=day
    )


def checks_on(user: Actor, day: dt.date) -> QuerySet[PassCheck]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
    return PassCheck.objects.visible_to(user).filter(
        at__gte=start, at__lt=start + dt.timedelta(days=1)
    )


def figures(user: Actor, day: dt.date) -> list[Figure]:
    out = []
    if user.can("supply.view"):
        now = timezone.now()
        short = running_out(user, now=now)
        out.append(Figure("logistics.running_out", _("Supplies running out within 3 days"),
                          len(short), _("items"), reverse("logistics:point_list")))  # fmt: skip
    if user.can("freight_pass.view"):
        passed = checks_on(user, day).filter(verdict=Verdict.VALID)
        out += [
            Figure("logistics.passes_active", _("Freight passes in force"),
                   active_passes(user, day).count(), _("passes"), reverse("logistics:pass_list")),
            Figure("logistics.vehicles_passed", _("Vehicles passed with a freight pass today"),
                   passed.aggregate(n=Count("freight_pass", distinct=True))["n"], _("vehicles"),
                   by_township={k: v for k, v in per_township(passed, "area__path").items()}),
        ]  # fmt: skip
    return out
