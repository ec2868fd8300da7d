"""The scan endpoint's one service (``services.record_scan``): the plain swab in a few lean
queries and one audit row; every other case answered by the full path exactly as before
(errors, repeats, retries, single tubes), after the same permission, scoping and round
checks."""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from fangkong.core.errors import Conflict, NotFound, ValidationFailed
from fangkong.core.models import AuditLog
from fangkong.core.services.tokens import create_token
from fangkong.testing import services
from fangkong.testing.models import Tube, TubeMember
from tests.testing.conftest import new_uuid

URL = "/api/v1/testing/scan"


@pytest.fixture
def scanner(users):
    """A client with the sampler's API token, as a scanning device uses it."""
    _t, key = create_token(name="scanner", by=users["sampler_a"])
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def _scan(client, rnd, point, person, tube, **extra):
    code = person if isinstance(person, str) else services.person_qr_payload(person)
    body = {"round_id": rnd.pk, "point_id": point.pk, "person": code, "tube": tube, **extra}
    return client.post(URL, json.dumps(body), content_type="application/json")


def _audit_rows():
    return AuditLog.objects.filter(object_type__startswith="testing.tube").count()


def test_a_plain_scan_takes_few_queries_and_one_audit_row(scanner, rnd, point, residents):
    assert _scan(scanner, rnd, point, residents[0], "P0000001").status_code == 201
    before = _audit_rows()
    with CaptureQueriesContext(connection) as q:
        r = _scan(scanner, rnd, point, residents[1], "P0000001")
    assert r.status_code == 201, r.content
    # token, roles+areas, point, round, person; tube bump, member, audit (+ savepoints)
    writes = [x["sql"] for x in q.captured_queries if "SAVEPOINT" not in x["sql"]]
    assert len(writes) <= 9, writes
    assert _audit_rows() == before + 1
    row = AuditLog.objects.filter(object_type="testing.tubemember").latest("pk")
    assert row.object_id == str(r.json()["member_id"]) and "P0000001" in row.detail
    assert row.after["person"] == residents[1].pk


def test_a_scan_opening_a_tube_is_one_audit_row_on_both_paths(scanner, rnd, point, residents, swab):
    before = _audit_rows()
    _scan(scanner, rnd, point, residents[0], "P0000001")  # fast lane
    swab(residents[1], "P0000002")  # full path (the service the page uses)
    assert _audit_rows() == before + 2
    details = list(AuditLog.objects.filter(object_type="testing.tubemember")
                   .order_by("pk").values_list("detail", flat=True))  # fmt: skip
    assert all("tube opened" in d for d in details[-2:])


def test_the_fast_lane_fills_and_closes_a_pooled_tube(scanner, rnd, point, residents):
    for i, p in enumerate(residents[:10]):
        r = _scan(scanner, rnd, point, p, "P0000001", client_uuid=new_uuid())
        assert r.status_code == 201, r.content
        assert (r.json()["swabs"], r.json()["tube_closed"]) == (i + 1, i == 9)
    tube = Tube.objects.get(barcode="P0000001")
    assert (tube.state, tube.member_count, tube.kind, tube.capacity) == ("closed", 10, "pooled", 10)
    assert tube.first_sampled_at is not None and tube.closed_at is not None
    assert TubeMember.objects.filter(tube=tube).count() == 10
    r = _scan(scanner, rnd, point, residents[10], "P0000001")
    assert r.status_code == 409 and r.json()["error"]["code"] == "tube_closed"


def test_a_retry_with_the_same_client_id_records_once(scanner, rnd, point, residents):
    cid = new_uuid()
    first = _scan(scanner, rnd, point, residents[0], "P0000001", client_uuid=cid)
    again = _scan(scanner, rnd, point, residents[0], "P0000001", client_uuid=cid)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["member_id"] == first.json()["member_id"] and not again.json()["created"]
    assert TubeMember.objects.count() == 1 and Tube.objects.get().member_count == 1


def test_a_repeat_is_warned_and_recorded_when_confirmed(scanner, rnd, point, residents):
    _scan(scanner, rnd, point, residents[0], "P0000001")
    r = _scan(scanner, rnd, point, residents[0], "P0000002")
    assert r.status_code == 409 and r.json()["error"]["code"] == "repeat"
    r = _scan(scanner, rnd, point, residents[0], "P0000002", confirm_repeat=True)
    assert r.status_code == 201 and r.json()["repeat"]


def test_the_id_number_works_as_the_qr_code(scanner, rnd, point, residents):
    r = _scan(scanner, rnd, point, residents[0].id_number, "P0000001")
    assert r.status_code == 201 and r.json()["person_name"] == residents[0].name


def test_a_person_under_control_gets_a_single_tube_and_not_a_pool(
    scanner, rnd, point, residents, users
):
    from fangkong.control.services import start_episode

    _scan(scanner, rnd, point, residents[1], "P0000001")
    start_episode(residents[0], "close_contact", by=users["county"])
    r = _scan(scanner, rnd, point, residents[0], "P0000001")
    assert r.status_code == 422 and r.json()["error"]["code"] == "single_required"
    r = _scan(scanner, rnd, point, residents[0], "S0000001")
    assert r.status_code == 201
    assert (r.json()["kind"], r.json()["capacity"], r.json()["tube_closed"]) == ("single", 1, True)
    assert Tube.objects.get(barcode="S0000001").state == "closed"


def test_bad_scans_are_refused_as_on_the_full_path(
    scanner, rnd, point, point_b, residents, person_b, users
):
    r = _scan(scanner, rnd, point, person_b, "P0000001")
    assert r.status_code == 422 and "outside the areas" in r.json()["error"]["message"]
    r = _scan(scanner, rnd, point, "FKP:123:forged", "P0000001")
    assert r.status_code == 422
    r = _scan(scanner, rnd, point, "110105194912310021", "P0000001")
    assert r.status_code == 404
    r = _scan(scanner, rnd, point, residents[0], "no good!")
    assert r.status_code == 422
    r = _scan(scanner, rnd, point_b, residents[0], "P0000001")  # not their point's area
    assert r.status_code == 404
    # a tube opened at another point is refused, not filled
    services.sample(rnd, point_b, person=residents[1], tube_barcode="B0000001", by=users["county"])
    r = _scan(scanner, rnd, point, residents[2], "B0000001")
    assert r.status_code == 422 and "another testing point" in r.json()["error"]["message"]
    assert Tube.objects.get(barcode="B0000001").member_count == 1
    assert TubeMember.objects.filter(person__in=residents[2:]).count() == 0


def test_the_fast_lane_writes_nothing_when_it_hands_over(rnd, point, residents, users, swab):
    swab(residents[0], "P0000001")
    before = (TubeMember.objects.count(), _audit_rows())
    sampler = users["sampler_a"]

    def scan(person_code, **kw):
        return services.record_scan(rnd.pk, point.pk, person_code=person_code,
                                    tube_barcode="P0000001", by=sampler, **kw)  # fmt: skip

    # a repeat, an unknown person, a closed point: the full path's answers, nothing written
    with pytest.raises(Conflict) as exc:
        scan(residents[0].id_number)
    assert exc.value.code == "repeat"
    with pytest.raises(NotFound) as exc:
        scan("nobody")
    assert "person" in exc.value.fields
    point.active = False
    point.save()
    with pytest.raises(ValidationFailed) as exc:
        scan(residents[1].id_number)
    assert "point" in exc.value.fields and "closed" in str(exc.value.message)
    assert (TubeMember.objects.count(), _audit_rows()) == before
    point.active = True
    point.save()
    got = scan(residents[1].id_number)  # the same scan, the point open again: recorded
    assert got.created and got.swabs == 2 and got.tube == "P0000001"
    assert TubeMember.objects.count() == before[0] + 1
