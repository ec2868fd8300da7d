"""The ledger page read newest first (speed at 200,000 entries): the county's unfiltered
pages walk the arrival-date index, yet list the same entries as any other reading, never
one of another county, and a day's many arrivals keep their page from one page to the
next."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.arrivals.choices import ArrivalStatus
from fangkong.arrivals.models import Arrival
from fangkong.arrivals.views.arrivals import ArrivalListView
from fangkong.core.roles import Role
from tests.factories import add_area

pytestmark = pytest.mark.django_db

URL = reverse("arrivals:arrival_list")


def _arrival(area, k: int, day: dt.date, status=ArrivalStatus.PENDING) -> Arrival:
    return Arrival.objects.create(
        reference=f"LF{k:08d}", source="preregistration", status=status, name="王五",
        id_number=f"5001011990010{k:05d}", phone=f"138{k:08d}", origin_province="重庆市",
        risk="high", arrival_date=day, area=area, address=f"幸福路{k}号",
        ack_due_at=timezone.now() + dt.timedelta(hours=12),
    )  # fmt: skip


def listed(client, query: str = "") -> tuple[list[int], str]:
    """The ids of a ledger page in their order, and the page's count line."""
    resp = client.get(f"{URL}?{query}")
    assert resp.status_code == 200
    html = resp.content.decode()
    count = re.search(r'data-testid="result-count">([^<]+)<', html)
    assert count is not None
    return [int(pk) for pk in re.findall(r'href="/arrivals/(\d+)/"', html)], count.group(1)


@pytest.fixture
def ledger(county):
    """Seven arrivals today (one day's many), two older ones, an acknowledged one, spread
    over both townships; and one in a neighbouring county."""
    today = timezone.localdate()
    rows = [_arrival(county.village_a if k % 2 else county.village_b, k, today) for k in range(7)]
    rows += [_arrival(county.village_a, 7, today - dt.timedelta(days=3))]
    rows += [_arrival(county.village_b, 8, today - dt.timedelta(days=1))]
    rows += [_arrival(county.village_a, 9, today, status=ArrivalStatus.ACKNOWLEDGED)]
    other = add_area(None, "500241", "秀山土家族苗族自治县", "county")
    town = add_area(other, "500241001", "中和街道", "street")
    foreign = _arrival(add_area(town, "500241001001", "西街社区", "community"), 10, today)
    return {"own": rows, "foreign": foreign, "other_county": other}


def newest_first(rows) -> list[int]:
    return [a.pk for a in sorted(rows, key=lambda a: (a.arrival_date, a.pk), reverse=True)]


def test_the_county_pages_through_its_ledger_newest_first_without_repeats(
    users, login, ledger, monkeypatch
):
    monkeypatch.setattr(ArrivalListView, "page_size", 3)
    client = login(users["county"])
    pages = [listed(client, f"page={n}") for n in (1, 2, 3, 4)]
    seen = [pk for ids, _count in pages for pk in ids]
    assert seen == newest_first(ledger["own"])  # every entry once, in order, none foreign
    assert {count for _ids, count in pages} == {"10 records"}


def test_a_county_command_of_the_other_county_sees_only_its_own(
    ledger, make_user, login, monkeypatch
):
    monkeypatch.setattr(ArrivalListView, "page_size", 3)
    neighbour = make_user(Role.COUNTY_COMMAND, ledger["other_county"], username="xiushan")
    ids, count = listed(login(neighbour))
    assert ids == [ledger["foreign"].pk] and count == "1 record"


def test_filters_and_other_orders_still_apply_at_the_county(users, login, ledger, county):
    client = login(users["county"])
    acknowledged = [a.pk for a in ledger["own"] if a.status == ArrivalStatus.ACKNOWLEDGED]
    assert listed(client, "status=acknowledged") == (acknowledged, "1 record")
    in_b = [a for a in ledger["own"] if a.area_id == county.village_b.pk]
    ids, count = listed(client, f"area={county.town_b.pk}")
    assert ids == newest_first(in_b) and count == f"{len(in_b)} records"
    oldest_first, _count = listed(client, "sort=arrival_date")
    assert oldest_first[0] == ledger["own"][7].pk  # three days ago
    by_reference, _count = listed(client, "sort=-reference")
    assert by_reference == [a.pk for a in sorted(ledger["own"], key=lambda a: a.reference)][::-1]


def test_a_township_sees_only_its_own_newest_first(users, login, ledger, county):
    ids, count = listed(login(users["township_b"]))
    in_b = [a for a in ledger["own"] if a.area_id == county.village_b.pk]
    assert ids == newest_first(in_b) and count == f"{len(in_b)} records"
