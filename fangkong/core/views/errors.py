from django.http import HttpResponse
from django.shortcuts import render
from django.utils.html import format_html
from django.utils.translation import gettext as _


def csrf_failure(request, reason=""):
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        return JsonResponse(
            {
                "error": {
                    "code": "csrf_failed",
                    "message": _("Missing or wrong CSRF token: reload the page and try again."),
                    "fields": {},
                }
            },
            status=403,
        )
    return render(
        request,
        "core/error.html",
        {
            "code": 403,
            "message": _(
                "Your form expired or was sent from elsewhere. Reload the page and try "
                "again; nothing was saved."
            ),
        },
        status=403,
    )


def page_not_found(request, exception=None):
    return render(
        request,
        "core/error.html",
        {"code": 404, "message": _("Not found, or not within your areas.")},
        status=404,
    )


def permission_denied(request, exception=None):
    return render(
        request,
        "core/error.html",
        {"code": 403, "message": _("Your role does not allow this action.")},
        status=403,
    )


def rate_limited(request, exc):
    """429 with the limit's message: a fragment for an htmx swap, else the error page."""
    message = str(exc.message)
    if getattr(request, "htmx", False):
        response = HttpResponse(format_html('<p class="msg msg-error">{}</p>', message))
        response.status_code = 429
    else:
        response = render(request, "core/error.html", {"code": 429, "message": message}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


def server_error(request):
    return render(
        request,
        "core/error.html",
        {"code": 500, "message": _("Something went wrong on our side; it has been logged.")},
        status=500,
    )
