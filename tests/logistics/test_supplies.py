"""Supplies and protective equipment: receipts and use, stock never negative (refused,
nothing written), days of stock left at the recent rate, a reorder alert once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fangkong.core.models import Notice
from fangkong.logistics import selectors, services
from fangkong.logistics.choices import StockPointKind
from fangkong.logistics.models import Stock, StockMovement, SupplyItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def point(county, users):
    return services.create_point(by=users["county"], name="钟多隔离点库房", kind=StockPointKind.SITE,
                                 area=county.town_a, reorder_days=3)  # fmt: skip


@pytest.fixture
def n95(db):
    return SupplyItem.objects.get(code="n95")


def test_receipts_and_use_keep_the_balance(point, n95, users):
    services.receive(point, n95, 1000, by=users["county"])
    m = services.use(point, n95, 300, by=users["township_a"], note="早班")
    assert m.balance == 700
    assert Stock.objects.get(point=point, item=n95).quantity == 700


def test_using_more_than_the_stock_is_refused_and_nothing_changes(point, n95, users):
    services.receive(point, n95, 100, by=users["county"])
    moves = StockMovement.objects.count()
    with pytest.raises(Conflict) as exc:
        services.use(point, n95, 101, by=users["county"])
    assert "quantity" in exc.value.fields and "Only 100" in str(exc.value.message)
    assert Stock.objects.get(point=point, item=n95).quantity == 100
    assert StockMovement.objects.count() == moves
    assert services.use(point, n95, 100, by=users["county"]).balance == 0


def test_bad_quantities_wrong_area_and_role_are_refused(point, n95, users):
    for q in (0, -5, "many"):
        with pytest.raises(ValidationFailed):
            services.receive(point, n95, q, by=users["county"])
    with pytest.raises(NotFound):
        services.receive(point, n95, 10, by=users["township_b"])
    with pytest.raises(PermissionDenied):
        services.receive(point, n95, 10, by=users["sampler_a"])
    assert not StockMovement.objects.exists()
    assert services.receive(point, n95, 10, by=users["township_a"]).balance == 10


def test_days_left_at_the_recent_rate_and_one_reorder_alert(
    point, n95, users, django_capture_on_commit_callbacks
):
    services.receive(point, n95, 700, by=users["county"])
    week_ago = timezone.now() - dt.timedelta(days=6)
    with django_capture_on_commit_callbacks(execute=True):
        services.use(point, n95, 350, by=users["county"], at=week_ago)  # 50 a day over 7 days
    line = selectors.stock_lines(users["county"], point=point)[0]
    assert (line.quantity, line.rate, line.days_left, line.reorder) == (350, 50.0, 7.0, False)
    assert not Notice.objects.filter(kind="reorder").exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.use(point, n95, 280, by=users["county"])  # 630 in 7 days: 90 a day, 70 left
    line = selectors.stock_lines(users["county"], point=point)[0]
    assert line.days_left == round(70 / 90, 1) and line.reorder
    alerts = Notice.objects.filter(kind="reorder")
    assert alerts.filter(user=users["county"]).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.use(point, n95, 10, by=users["county"])
    assert Notice.objects.filter(kind="reorder", user=users["county"]).count() == 1  # once
    assert [s.item for s in selectors.running_out(users["county"])] == [n95.name]
    assert selectors.running_out(users["township_b"]) == []
