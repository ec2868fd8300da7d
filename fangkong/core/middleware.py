import logging
import re
import time
import uuid
from urllib.parse import quote

from csp.constants import HEADER as CSP_HEADER
from csp.constants import HEADER_REPORT_ONLY as CSP_HEADER_RO
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from fangkong.core.context import client_ip, client_ip_var, request_id_var

log = logging.getLogger("fangkong.request")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Gives every request an id (or keeps a sane one from the proxy), logs it, returns it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = rid
        token = request_id_var.set(rid)
        ip_token = client_ip_var.set(client_ip(request))
        start = time.perf_counter()
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
            client_ip_var.reset(ip_token)
        response["X-Request-ID"] = rid
        if not request.path.startswith(settings.STATIC_URL):
            log.info(
                "request",
                extra={
                    "request_id": rid,
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "ms": round((time.perf_counter() - start) * 1000, 1),
                    "user": getattr(getattr(request, "user", None), "username", "") or "",
                },
            )
        return response


class TwoFactorRequiredMiddleware:
    """A signed-in session that owes its second factor reaches only the page that takes it
    (verify; set-up when the role requires a device and there is none), sign-out and the
    language switch. The API answers such a session 403 with the one error body."""

    ALLOWED = {
        "verify": ("two_factor_verify", "logout", "set_language"),
        "setup": ("two_factor_setup", "logout", "set_language"),
    }

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith((settings.STATIC_URL, "/healthz", "/readyz"))
        ):
            from fangkong.core.services.two_factor import owed_by, owed_message

            need = owed_by(request)
            if need is not None and request.path.startswith("/api/"):
                body = {"code": "second_factor_required", "message": owed_message(need)}
                return JsonResponse({"error": {**body, "fields": {}}}, status=403)
            if need is not None and request.path not in {reverse(n) for n in self.ALLOWED[need]}:
                target = "two_factor_verify" if need == "verify" else "two_factor_setup"
                return redirect(f"{reverse(target)}?next={quote(request.get_full_path())}")
        return self.get_response(request)


class NoStoreMiddleware:
    """Nothing but static files is kept by a browser or a proxy: pages, API answers and
    exported files carry personal data, so every other response says ``no-store``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(settings.STATIC_URL):
            add_never_cache_headers(response)  # no-store, private, max-age=0, whatever a view set
            response["Pragma"] = "no-cache"
        return response


# --- Content-Security-Policy ------------------------------------------------------------------
_CSP_PARTS = ("_csp_config", "_csp_update", "_csp_replace",
              "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro")  # fmt: skip
_csp_built: dict[bool, str] = {}  # report_only -> the site's policy, as django-csp builds it


@receiver(setting_changed)
def _forget_csp(setting: str, **kwargs) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _csp_built.clear()


def _site_policy(report_only: bool) -> str:
    policy = _csp_built.get(report_only)
    if policy is None:
        policy = _csp_built[report_only] = build_policy(report_only=report_only)
    return policy


class CSPMiddleware(BaseCSPMiddleware):
    """django-csp's middleware, the site's policy built once instead of on every response
    (70 µs of every request: a dataclass copied, every directive sorted and joined; bench/
    README.md, "portal request trimmed"). A response that asks for its own policy (the
    decorators' ``_csp_update`` etc.) or a request that used its nonce takes django-csp's
    own path; the headers, exemptions and excluded prefixes are django-csp's."""

    def process_response(self, request, response):
        custom = any(getattr(response, a, None) is not None for a in _CSP_PARTS)
        debug_page = settings.DEBUG and response.status_code in (500, 404)
        if custom or debug_page or getattr(request, "_csp_nonce", None) is not None:
            return super().process_response(request, response)
        for header, name, exempt, report_only in (
            (CSP_HEADER, "CONTENT_SECURITY_POLICY", "_csp_exempt", False),
            (CSP_HEADER_RO, "CONTENT_SECURITY_POLICY_REPORT_ONLY", "_csp_exempt_ro", True),
        ):
            policy = _site_policy(report_only)
            if not policy or header in response or getattr(response, exempt, False) is not False:
                continue
            prefixes = (getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
            if not request.path_info.startswith(tuple(prefixes)):
                response[header] = policy
        # as django-csp: a nonce asked for after the header is written is an error
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
