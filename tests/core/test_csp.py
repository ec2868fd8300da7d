"""The Content-Security-Policy header: the site's policy (built once, not per response) on
every page and API answer; a view's own policy, a nonce and a settings change still
honoured as django-csp does."""

import pytest
from csp.constants import NONCE, SELF
from csp.decorators import csp_exempt, csp_update
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from fangkong.core.middleware import CSPMiddleware


def _answer(view, path="/x"):
    mw = CSPMiddleware(view)
    request = RequestFactory().get(path)
    return mw(request), request


def _page(request):
    return HttpResponse("ok")


def test_every_answer_carries_the_site_policy():
    first, _r = _answer(_page)
    second, _r = _answer(_page)
    policy = first["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert second["Content-Security-Policy"] == policy
    assert "Content-Security-Policy-Report-Only" not in first


def test_a_view_that_adds_to_the_policy_gets_its_addition_and_the_next_does_not():
    @csp_update({"img-src": ["https://tiles.example.org"]})
    def map_page(request):
        return HttpResponse("map")

    own, _r = _answer(map_page)
    assert "img-src 'self' data: https://tiles.example.org" in own["Content-Security-Policy"]
    plain, _r = _answer(_page)
    assert "tiles.example.org" not in plain["Content-Security-Policy"]


def test_an_exempt_view_gets_no_header():
    @csp_exempt()
    def raw(request):
        return HttpResponse("raw")

    response, _r = _answer(raw)
    assert "Content-Security-Policy" not in response


def test_a_nonce_used_by_the_page_is_in_its_header_only():
    def with_script(request):
        return HttpResponse(f"<script nonce='{request.csp_nonce}'></script>")

    directives = {"default-src": [SELF], "script-src": [SELF, NONCE]}
    with override_settings(CONTENT_SECURITY_POLICY={"DIRECTIVES": directives}):
        response, request = _answer(with_script)
        assert f"'nonce-{request._csp_nonce}'" in response["Content-Security-Policy"]
        plain, _r = _answer(_page)
        assert "nonce-" not in plain["Content-Security-Policy"]


def test_a_nonce_asked_for_after_the_header_is_written_is_refused():
    from csp.exceptions import CSPNonceError

    _response, request = _answer(_page)
    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)


def test_a_settings_change_reaches_the_header_and_excluded_prefixes_hold():
    before, _r = _answer(_page)
    changed = {"DIRECTIVES": {"default-src": ["'none'"]}, "EXCLUDE_URL_PREFIXES": ["/raw/"]}
    with override_settings(CONTENT_SECURITY_POLICY=changed):
        during, _r = _answer(_page)
        assert during["Content-Security-Policy"] == "default-src 'none'"
        excluded, _r = _answer(_page, "/raw/file")
        assert "Content-Security-Policy" not in excluded
    after, _r = _answer(_page)
    assert after["Content-Security-Policy"] == before["Content-Security-Policy"]
    with override_settings(CONTENT_SECURITY_POLICY_REPORT_ONLY={"DIRECTIVES": {"img-src": [SELF]}}):
        both, _r = _answer(_page)
        assert "img-src 'self'" in both["Content-Security-Policy-Report-Only"]
