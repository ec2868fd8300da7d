import logging
import re
import time
import uuid
from urllib.parse import quote

from django.conf import settings
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
