"""The lab: results by hand, by file and by API with a lab token; publishing; a negative
pool releases every member's result, a positive pool none."""

import io
import json

import pytest
from openpyxl import Workbook

from fangkong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fangkong.core.roles import Role
from fangkong.core.services.tokens import create_token
from fangkong.testing import selectors, services
from fangkong.testing.models import Result, Tube


@pytest.fixture
def received(full_pool, to_lab):
    to_lab(full_pool)
    return Tube.objects.get(pk=full_pool.pk)


def test_a_result_is_recorded_for_a_received_tube(received, users, lab):
    r = services.record_result(received, outcome="negative", ct_values="ORF1ab:38.1;N:37.5",
                               by=users["lab"])  # fmt: skip
    assert r.outcome == "negative" and r.lab == lab
    assert r.ct_values == {"ORF1ab": 38.1, "N": 37.5}
    tube = Tube.objects.get(pk=received.pk)
    assert tube.state == "tested" and tube.tested_at


def test_a_result_for_a_tube_never_received_is_an_error(full_pool, users):
    with pytest.raises(ValidationFailed) as e:
        services.record_result(full_pool, outcome="negative", by=users["lab"])
    assert e.value.code == "not_received" and "never received" in str(e.value.message)
    assert not Result.objects.exists()


def test_a_tube_gets_one_result(received, users):
    services.record_result(received, outcome="negative", by=users["lab"])
    with pytest.raises(Conflict):
        services.record_result(received, outcome="positive", by=users["lab"])


def test_a_bad_outcome_is_refused_naming_the_field(received, users):
    with pytest.raises(ValidationFailed) as e:
        services.record_result(received, outcome="maybe", by=users["lab"])
    assert "outcome" in e.value.fields


def test_only_a_lab_technician_records_results(received, users):
    with pytest.raises(PermissionDenied):
        services.record_result(received, outcome="negative", by=users["county"])


@pytest.fixture
def other_lab(county, users, make_user):
    """A second lab with its own technician."""
    tech = make_user(Role.LAB_TECHNICIAN, county.county, username="lab_2")
    return services.create_lab(name="第三方实验室", code="X1", area=county.county,
                               technicians=[tech], by=users["county"])  # fmt: skip


def test_a_lab_records_results_only_for_the_tubes_it_received(received, users, other_lab):
    tech = other_lab.technicians.get()
    with pytest.raises(ValidationFailed) as exc:
        services.record_result(received, outcome="negative", by=tech)
    assert "barcode" in exc.value.fields and "another lab" in exc.value.message
    with pytest.raises(NotFound) as exc:  # nor by naming the lab that received it
        services.record_result(received, outcome="negative", by=tech, lab=received.lab)
    assert "lab" in exc.value.fields
    assert not Result.objects.exists()


def test_a_lab_publishes_only_its_own_tubes(received, users, other_lab):
    services.record_result(received, outcome="negative", by=users["lab"])
    tech = other_lab.technicians.get()
    assert services.publish_results(by=tech) == 0  # "all tested tubes" means its own
    with pytest.raises(NotFound):
        services.publish_results(by=tech, lab=received.lab)
    assert Tube.objects.get(pk=received.pk).state == "tested"
    assert services.publish_results(by=users["lab"]) == 1


def test_a_negative_pool_releases_every_members_result(received, residents, users):
    services.record_result(received, outcome="negative", by=users["lab"])
    assert selectors.results_for_person(residents[0])[0].outcome is None  # not yet published
    assert services.publish_results([received], by=users["lab"]) == 1
    for p in residents[:10]:
        [res] = selectors.results_for_person(p)
        assert (res.outcome, res.status) == ("negative", "Reported")


def test_a_positive_pool_releases_no_members_result(received, residents, users):
    services.record_result(received, outcome="positive", by=users["lab"])
    services.publish_results([received], by=users["lab"])
    assert Result.objects.get().released is False
    for p in residents[:10]:
        [res] = selectors.results_for_person(p)
        assert res.outcome is None and res.status == "Awaiting single-tube retest"


def _xlsx(rows):
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _import(content, filename, user):
    """A lab's file through its background import, run at once as the worker would."""
    job = services.start_result_import(by=user, lab=None, filename=filename, content=content)
    return services.run_result_import(job.pk)


def _bad_rows(job):
    return [(e.row, e.field, e.message) for e in job.row_errors.all()]


def test_a_result_file_keeps_good_rows_and_reports_bad_ones(
    received, users, residents, swab, full_pool
):
    content = _xlsx([["条码", "结果", "CT值"], [received.barcode, "阴性", "38"],
                     ["NOSUCH01", "negative", ""], ["P0000001", "negative", ""],
                     ["", "negative", ""]])  # fmt: skip
    job = _import(content, "lab.xlsx", users["lab"])
    assert job.recorded_count == 1
    bad = _bad_rows(job)
    assert [(row, field) for row, field, _m in bad] == [(3, "barcode"), (4, "barcode"),
                                                         (5, "barcode")]  # fmt: skip
    assert "Unknown tube NOSUCH01" in bad[0][2]
    assert "twice" in bad[1][2]


def test_a_bad_outcome_column_value_is_reported_per_row(received, users):
    content = f"barcode,outcome,ct\n{received.barcode},unclear,\n".encode()
    job = _import(content, "lab.csv", users["lab"])
    assert job.recorded_count == 0
    assert [(row, field) for row, field, _m in _bad_rows(job)] == [(2, "outcome")]
    assert Tube.objects.get(pk=received.pk).state == "received"


def test_a_file_without_an_outcome_column_is_refused_whole(received, users):
    with pytest.raises(ValidationFailed) as e:
        services.read_result_file(b"barcode,verdict\nX,negative\n", "lab.csv")
    assert "outcome" in e.value.fields


def test_a_file_that_is_neither_xlsx_nor_csv_is_refused(users):
    with pytest.raises(ValidationFailed):
        services.read_result_file(b"...", "lab.pdf")


def test_blank_rows_keep_the_sheets_row_numbers(received, users):
    content = _xlsx([["barcode", "outcome"], [None, None], ["NOSUCH01", "negative"]])
    assert [r["row"] for r in services.read_result_file(content, "lab.xlsx")] == [3]


def test_a_tube_never_received_in_a_file_is_reported_not_recorded(full_pool, users, lab):
    job = _import(f"barcode,outcome\n{full_pool.barcode},negative\n".encode(), "r.csv",
                  users["lab"])  # fmt: skip
    assert job.recorded_count == 0 and "never received" in _bad_rows(job)[0][2]


def test_a_labs_system_posts_results_with_a_lab_token(received, users, client):
    _token, raw = create_token(name="LIS", by=users["lab"])
    body = {"results": [{"barcode": received.barcode, "outcome": "negative", "ct": 37},
                        {"barcode": "NOSUCH01", "outcome": "negative"}]}  # fmt: skip
    r = client.post("/api/v1/testing/results", json.dumps(body), content_type="application/json",
                    HTTP_AUTHORIZATION=f"Bearer {raw}")  # fmt: skip
    assert r.status_code == 200, r.content
    assert r.json()["recorded"] == 1 and r.json()["errors"][0]["row"] == 2
    r = client.post("/api/v1/testing/results/publish", "{}", content_type="application/json",
                    HTTP_AUTHORIZATION=f"Bearer {raw}")  # fmt: skip
    assert r.json() == {"published": 1}


def test_the_results_api_is_for_labs_only(access):
    body = json.dumps({"results": []})
    access.check("/api/v1/testing/results", method="post", data=body, api=True,
                 allowed=["lab"], denied_role=["sampler_a", "county", "township_a"])  # fmt: skip


def test_results_are_scoped_by_the_tubes_area(received, users):
    services.record_result(received, outcome="negative", by=users["lab"])
    assert Result.objects.visible_to(users["township_a"]).count() == 1
    assert Result.objects.visible_to(users["township_b"]).count() == 0
