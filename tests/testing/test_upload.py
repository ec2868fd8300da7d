"""The device batch upload: idempotent by client id; bad rows reported by index, field and
reason; good rows kept; nothing written twice."""

import datetime as dt
import json

from django.utils import timezone

from fangkong.testing import services
from fangkong.testing.models import Tube, TubeMember
from tests.testing.conftest import new_uuid

URL = "/api/v1/testing/uploads"


def batch(residents, *, tube="U0000001", n=10, closed=False):
    at = (timezone.now() - dt.timedelta(minutes=30)).isoformat()
    return {
        "tubes": [{"barcode": tube, "kind": "pooled", "closed": closed}],
        "members": [
            {"client_uuid": new_uuid(), "tube": tube, "person_id": p.pk, "sampled_at": at}
            for p in residents[:n]
        ],
    }


def test_a_batch_records_tubes_and_swabs(rnd, point, residents, users):
    b = batch(residents)
    report = services.upload_batch(rnd, point, by=users["sampler_a"], **b)
    assert (report.recorded, report.tubes_created, report.tubes_closed) == (10, 1, 1)
    assert not report.errors
    tube = Tube.objects.get(barcode="U0000001")
    assert (tube.state, tube.member_count, tube.kind) == ("closed", 10, "pooled")
    assert tube.first_sampled_at is not None


def test_a_batch_sent_twice_records_once(rnd, point, residents, users):
    b = batch(residents, n=6)
    services.upload_batch(rnd, point, by=users["sampler_a"], **b)
    again = services.upload_batch(rnd, point, by=users["sampler_a"], **b)
    assert (again.recorded, again.already_recorded, again.tubes_created) == (0, 6, 0)
    assert not again.errors and not again.warnings  # a resend is not a repeat swab
    assert TubeMember.objects.count() == 6
    assert Tube.objects.get(barcode="U0000001").member_count == 6


def test_a_batch_with_half_its_rows_bad_keeps_the_good_half(rnd, point, residents, person_b, users):
    b = batch(residents, n=6)
    m = b["members"]
    m.append({"client_uuid": "not-a-uuid", "tube": "U0000001", "person_id": residents[6].pk,
              "sampled_at": m[0]["sampled_at"]})  # fmt: skip
    m.append({"client_uuid": new_uuid(), "tube": "NOPE0001", "person_id": residents[7].pk,
              "sampled_at": m[0]["sampled_at"]})  # fmt: skip
    m.append({"client_uuid": new_uuid(), "tube": "U0000001", "person_id": person_b.pk,
              "sampled_at": m[0]["sampled_at"]})  # fmt: skip
    m.append({"client_uuid": new_uuid(), "tube": "U0000001", "person_id": residents[8].pk,
              "sampled_at": "yesterday-ish"})  # fmt: skip
    m.append({"client_uuid": new_uuid(), "tube": "U0000001", "person_id": 99999999,
              "sampled_at": m[0]["sampled_at"]})  # fmt: skip
    m.append({"client_uuid": m[0]["client_uuid"], "tube": "U0000001",
              "person_id": residents[9].pk, "sampled_at": m[0]["sampled_at"]})  # fmt: skip
    report = services.upload_batch(rnd, point, by=users["sampler_a"], **b)
    assert report.recorded == 6
    got = {(e.index, e.field) for e in report.errors}
    assert got == {(6, "client_uuid"), (7, "tube"), (8, "person_id"), (9, "sampled_at"),
                   (10, "person_id"), (11, "client_uuid")}  # fmt: skip
    outside = next(e for e in report.errors if e.index == 8)
    assert "outside the round" in outside.message
    # sent again after fixing nothing: the good rows are not written twice
    again = services.upload_batch(rnd, point, by=users["sampler_a"], **b)
    assert (again.recorded, again.already_recorded) == (0, 6)
    assert TubeMember.objects.count() == 6


def test_a_person_may_be_given_by_id_number(rnd, point, residents, users):
    at = timezone.now().isoformat()
    members = [{"client_uuid": new_uuid(), "tube": "U0000002", "id_number": residents[0].id_number,
                "sampled_at": at},
               {"client_uuid": new_uuid(), "tube": "U0000002", "id_number": "110105194912310021",
                "sampled_at": at}]  # fmt: skip
    report = services.upload_batch(rnd, point, by=users["sampler_a"],
                                   tubes=[{"barcode": "U0000002"}], members=members)  # fmt: skip
    assert report.recorded == 1
    assert [(e.index, e.field) for e in report.errors] == [(1, "id_number")]


def test_an_overfull_tube_refuses_the_extra_swabs(rnd, point, residents, users):
    b = batch(residents, n=12)
    report = services.upload_batch(rnd, point, by=users["sampler_a"], **b)
    assert report.recorded == 10
    assert [(e.index, e.field) for e in report.errors] == [(10, "tube"), (11, "tube")]


def test_a_repeat_swab_in_an_upload_is_recorded_with_a_warning(rnd, point, residents, swab, users):
    swab(residents[0], "P0000001")
    report = services.upload_batch(rnd, point, by=users["sampler_a"], **batch(residents, n=2))
    assert report.recorded == 2
    assert [(w.index, w.field) for w in report.warnings] == [(0, "person_id")]
    assert TubeMember.objects.get(person=residents[0], tube__barcode="U0000001").repeat


def test_a_tube_of_another_round_or_point_is_refused(rnd, point, point_b, residents, users, swab):
    swab(residents[0], "P0000001")
    b = batch(residents[1:], tube="P0000001", n=2)
    report = services.upload_batch(rnd, point_b, by=users["county"], **b)
    assert report.recorded == 0
    assert {e.section for e in report.errors} == {"tubes", "members"}


def test_the_upload_api_reports_rows_and_is_idempotent(rnd, point, residents, users, login):
    client = login(users["sampler_a"])
    body = {"round_id": rnd.pk, "point_id": point.pk, **batch(residents, n=3)}
    body["members"].append({"client_uuid": "x", "tube": "U0000001", "person_id": residents[5].pk,
                            "sampled_at": body["members"][0]["sampled_at"]})  # fmt: skip
    r = client.post(URL, json.dumps(body), content_type="application/json")
    assert r.status_code == 200, r.content
    data = r.json()
    assert data["recorded"] == 3
    assert data["errors"] == [{"section": "members", "index": 3, "field": "client_uuid",
                               "message": "Not a valid client id (UUID)."}]  # fmt: skip
    r2 = client.post(URL, json.dumps(body), content_type="application/json")
    assert r2.json()["recorded"] == 0 and r2.json()["already_recorded"] == 3


def test_the_upload_api_is_for_samplers_of_the_area(rnd, point, residents, access):
    body = {"round_id": rnd.pk, "point_id": point.pk, "tubes": [], "members": []}
    access.check(URL, method="post", data=json.dumps(body), api=True,
                 allowed=["sampler_a", "county"], denied_role=["lab", "township_a", "auditor"])  # fmt: skip


def test_an_upload_adds_to_a_tube_opened_by_a_scan_and_closes_it_when_full(
    rnd, point, residents, users, swab
):
    swab(residents[0], "P0000001")
    b = batch(residents[1:], tube="P0000001", n=9)
    b["tubes"] = []  # already known: the swabs name it
    report = services.upload_batch(rnd, point, by=users["sampler_a"], **b)
    assert (report.recorded, report.tubes_created, report.tubes_closed) == (9, 0, 1)
    tube = Tube.objects.get(barcode="P0000001")
    assert (tube.state, tube.member_count) == ("closed", 10)


def test_a_tube_the_device_closed_is_created_closed_with_its_counters(rnd, point, residents, users):
    report = services.upload_batch(rnd, point, by=users["sampler_a"],
                                   **batch(residents, n=3, closed=True))  # fmt: skip
    assert (report.recorded, report.tubes_created, report.tubes_closed) == (3, 1, 1)
    tube = Tube.objects.get(barcode="U0000001")
    assert (tube.state, tube.member_count) == ("closed", 3)
    first = TubeMember.objects.filter(tube=tube).order_by("sampled_at").first().sampled_at
    assert tube.first_sampled_at == first and tube.closed_at is not None


def test_a_large_batch_records_once_and_counts_its_tubes(rnd, point, county, users):
    """Over 200 rows: on PostgreSQL the COPY path; sent twice, recorded once."""
    from tests.factories import PersonFactory

    people = PersonFactory.create_batch(250, area=county.village_a)
    at = (timezone.now() - dt.timedelta(minutes=5)).isoformat()
    tubes = [{"barcode": f"L{k:07d}"} for k in range(25)]
    members = [{"client_uuid": new_uuid(), "tube": f"L{i // 10:07d}", "person_id": p.pk,
                "sampled_at": at} for i, p in enumerate(people)]  # fmt: skip
    report = services.upload_batch(rnd, point, by=users["sampler_a"], tubes=tubes, members=members)
    assert (report.recorded, report.tubes_created, report.tubes_closed) == (250, 25, 25)
    assert not report.errors
    again = services.upload_batch(rnd, point, by=users["sampler_a"], tubes=tubes, members=members)
    assert (again.recorded, again.already_recorded, again.tubes_created) == (0, 250, 0)
    assert TubeMember.objects.count() == 250
    assert set(Tube.objects.values_list("member_count", "state")) == {(10, "closed")}


def test_swabs_a_concurrent_upload_recorded_after_our_check_are_recorded_once(
    rnd, point, county, users, monkeypatch
):
    """The race the client-id check cannot see: another upload of the same swabs commits
    between our check and our write. On PostgreSQL the straight COPY then fails and the
    batch takes the ON CONFLICT path; either way each swab is in once and counted as
    already recorded."""
    import uuid

    from fangkong.testing.services import upload
    from tests.factories import PersonFactory

    people = PersonFactory.create_batch(250, area=county.village_a)
    first = services.upload_batch(rnd, point, by=users["sampler_a"], **batch(people, n=1))
    other_tube = Tube.objects.get(barcode="U0000001")
    at = (timezone.now() - dt.timedelta(minutes=5)).isoformat()
    tubes = [{"barcode": f"C{k:07d}"} for k in range(25)]
    members = [{"client_uuid": new_uuid(), "tube": f"C{i // 10:07d}", "person_id": p.pk,
                "sampled_at": at} for i, p in enumerate(people)]  # fmt: skip
    real_write = upload._write

    def other_upload_first(ctx, specs, existing, planned, report):
        TubeMember.objects.bulk_create(
            TubeMember(tube=other_tube, round=rnd, person_id=row[2], area_id=row[3],
                       sampled_at=timezone.now(), sampler=users["sampler_a"],
                       client_uuid=uuid.UUID(str(row[6])))
            for row in planned[:100]
        )  # fmt: skip
        return real_write(ctx, specs, existing, planned, report)

    monkeypatch.setattr(upload, "_write", other_upload_first)
    report = services.upload_batch(rnd, point, by=users["sampler_a"], tubes=tubes, members=members)
    assert first.recorded == 1
    assert (report.recorded, report.already_recorded) == (150, 100)
    assert TubeMember.objects.count() == 1 + 100 + 150
    ids = list(TubeMember.objects.values_list("client_uuid", flat=True))
    assert len(set(ids)) == len(ids)
    counts = dict(
        Tube.objects.filter(barcode__startswith="C").values_list("barcode", "member_count")
    )
    assert counts["C0000000"] == 0 and counts["C0000024"] == 10
