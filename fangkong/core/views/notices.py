"""The bell's page: the user's own notices; opening one marks it read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.models import Notice
from fangkong.core.notifications import mark_read
from fangkong.core.scoping import get_visible_or_404


@login_required
def notice_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(Notice.objects.filter(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "core/notices.html", {"title": _("Notices"), "page": page})


@login_required
def notice_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the notice read and go where it points (a page of this site only)."""
    notice = get_visible_or_404(Notice.objects.filter(user=request.user), request.user, pk=pk)
    mark_read(request.user, [notice.pk])
    if notice.url and url_has_allowed_host_and_scheme(notice.url, allowed_hosts=None):
        return redirect(notice.url)
    return redirect("notices")


@login_required
@require_POST
def notice_read_all(request: HttpRequest) -> HttpResponse:
    mark_read(request.user)
    return redirect("notices")
