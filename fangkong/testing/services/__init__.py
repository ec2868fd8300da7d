"""Writes of the testing pipeline (re-exported here for callers)."""

from fangkong.testing.services.doortodoor import send_missing_to_door_to_door
from fangkong.testing.services.followup import FollowUp, follow_up_positive
from fangkong.testing.services.lab import (
    ResultsReport,
    publish_results,
    read_result_file,
    record_result,
    record_results,
)
from fangkong.testing.services.persons import find_person, person_qr_payload
from fangkong.testing.services.result_imports import (
    run_result_import,
    start_result_import,
)
from fangkong.testing.services.retests import (
    cancel_retest,
    end_pool_control_after_negative_retests,
    record_retest_sample,
)
from fangkong.testing.services.sampling import SampleResult, close_tube, needs_single_tube, sample
from fangkong.testing.services.scan import ScanResult, record_scan
from fangkong.testing.services.setup import (
    create_lab,
    create_point,
    create_round,
    set_samplers,
    update_lab,
    update_point,
    update_round,
)
from fangkong.testing.services.transport import (
    Receipt,
    add_tube,
    create_box,
    hand_over,
    receive_box,
    remove_tube,
)
from fangkong.testing.services.upload import UploadReport, upload_batch

__all__ = [
    "FollowUp",
    "Receipt",
    "ResultsReport",
    "SampleResult",
    "ScanResult",
    "UploadReport",
    "add_tube",
    "cancel_retest",
    "close_tube",
    "create_box",
    "create_lab",
    "create_point",
    "create_round",
    "end_pool_control_after_negative_retests",
    "find_person",
    "follow_up_positive",
    "hand_over",
    "needs_single_tube",
    "person_qr_payload",
    "publish_results",
    "read_result_file",
    "receive_box",
    "record_retest_sample",
    "record_scan",
    "record_result",
    "record_results",
    "remove_tube",
    "run_result_import",
    "sample",
    "send_missing_to_door_to_door",
    "set_samplers",
    "start_result_import",
    "update_lab",
    "update_point",
    "update_round",
    "upload_batch",
]
