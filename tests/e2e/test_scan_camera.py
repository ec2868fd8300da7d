"""Camera scanning (core/_scan_input.html + core/scan.js) in a browser: the code the camera
reads goes into the field like typing; without the browser's BarcodeDetector the vendored
ZXing decoder is loaded instead; a hardware scanner typing and pressing Enter still works.
The camera is a canvas stream and the detector a stand-in: what is under test is the page's
wiring, under the product's CSP."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_layout import PHONE

pytestmark = pytest.mark.e2e

FAKE_CAMERA = """
navigator.mediaDevices.getUserMedia = async () => {
  const c = document.createElement('canvas'); c.width = 64; c.height = 64;
  c.getContext('2d').fillRect(0, 0, 64, 64);
  return c.captureStream(5);
};
"""
FAKE_DETECTOR = """
window.BarcodeDetector = class {
  static async getSupportedFormats() { return ['qr_code', 'code_128']; }
  async detect() { return [{rawValue: 'T20221124-0042'}]; }
};
"""


@pytest.fixture
def problems(page: Page) -> list[str]:
    found: list[str] = []
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))"
    )
    page.on("console", lambda m: found.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: found.append(f"page error: {e}"))
    return found


def test_the_camera_fills_the_lab_barcode_field(page: Page, users, signed_in, problems):
    page.add_init_script(FAKE_CAMERA + FAKE_DETECTOR)
    signed_in(users["lab"])
    page.set_viewport_size(PHONE)
    page.goto("/testing/lab/")
    field = page.get_by_test_id("lab-barcode")
    camera = page.get_by_test_id("scan-camera")
    expect(camera).to_be_visible()  # shown only where a camera can be asked for
    camera.click()
    expect(field).to_have_value("T20221124-0042")
    expect(page.get_by_test_id("scan-overlay")).to_have_count(0)  # one read, camera off
    assert problems == []


def test_without_a_detector_the_vendored_decoder_is_loaded(page: Page, users, signed_in, problems):
    page.add_init_script(FAKE_CAMERA + "delete window.BarcodeDetector;")
    signed_in(users["lab"])
    page.goto("/testing/lab/")
    with page.expect_response(lambda r: "zxing-library" in r.url) as loaded:
        page.get_by_test_id("scan-camera").click()
    assert loaded.value.status == 200
    page.wait_for_function("() => typeof window.ZXing === 'object'")
    expect(page.get_by_test_id("scan-overlay")).to_be_visible()
    page.keyboard.press("Escape")  # stops the camera
    expect(page.get_by_test_id("scan-overlay")).to_have_count(0)
    assert problems == []


def test_a_hardware_scanner_still_types_and_sends(page: Page, users, signed_in, problems):
    signed_in(users["lab"])
    page.goto("/testing/lab/")
    field = page.get_by_test_id("lab-barcode")
    expect(field).to_be_focused()
    page.keyboard.type("NOSUCHTUBE1")
    page.get_by_test_id("outcome").select_option("negative")
    field.press("Enter")  # what a scanner sends after the code
    expect(page.locator(".msg-error")).to_be_visible()  # the server answered: no such tube
    assert problems == []
