"""Pages of the follow-up of positive tubes: the door-to-door task list a sampling team walks
with a phone (单采复核, 漏采补采) (the case candidates are the ``cases`` app's). Every
write goes through ``services``; a row's action answers htmx with the row alone."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from fangkong.areas.models import Area
from fangkong.core.errors import DomainError, NotVisible
from fangkong.core.scoping import get_visible_or_404
from fangkong.core.views.mixins import PermissionMixin
from fangkong.testing import selectors, services
from fangkong.testing.filters import RetestFilter


def _pick(request, qs, value: Any):
    """The row of ``qs`` with this pk, or None (a bad or foreign id is no row)."""
    if value in (None, ""):
        return None
    try:
        return get_visible_or_404(qs, request.user, pk=value)
    except NotVisible:
        return None


def _back(request, url_name: str, error: str, done: str) -> HttpResponseRedirect:
    """Without htmx: the outcome as a message on the list page."""
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return HttpResponseRedirect(reverse(url_name))


# --- the door-to-door list -------------------------------------------------------------------
class RetestListView(PermissionMixin, View):
    """Open tasks in the user's areas in walking order; from each row a tube barcode (typed
    or scanned, then Enter) records the sample, or the task is cancelled with a reason."""

    permission = "testing.retest.view"

    def get(self, request):
        user = request.user
        qs = selectors.open_retests(user)
        fs = RetestFilter(request.GET or None, queryset=qs, request=request)
        if fs.is_bound and fs.is_valid():
            qs = fs.qs
        page = Paginator(qs, settings.FANGKONG_PAGE_SIZE).get_page(request.GET.get("page"))
        page.object_list = list(page.object_list)
        Area.label_paths(t.area for t in page.object_list)
        query = request.GET.copy()
        query.pop("page", None)
        points = selectors.sampling_points_for(user) if user.can("testing.sample") else None
        point = _pick(request, points, request.GET.get("point")) if points is not None else None
        if points is not None and point is None:
            only = list(points[:2])
            point = only[0] if len(only) == 1 else None
        ctx = {
            "title": _("Door-to-door retests"),
            "filter": fs,
            "page": page,
            "query": query.urlencode(),
            "points": points,
            "point": point,
            "can_sample": points is not None,
            "can_cancel": user.can("testing.manage"),
        }
        return render(request, "testing/retests.html", ctx)


class _RetestAction(PermissionMixin, View):
    def act(self, request, task) -> str:
        raise NotImplementedError

    def post(self, request, pk):
        task = get_visible_or_404(selectors.retests_for(request.user), request.user, pk=pk)
        error = done = ""
        try:
            done = self.act(request, task)
        except DomainError as exc:
            error = str(exc.message)
        if not request.htmx:
            return _back(request, "testing:retests", error, done)
        task.refresh_from_db()
        points = selectors.sampling_points_for(request.user)
        ctx = {
            "task": task,
            "error": error,
            "done": done,
            "point": _pick(request, points, request.POST.get("point")),
            "can_sample": request.user.can("testing.sample"),
            "can_cancel": request.user.can("testing.manage"),
        }
        # 200 with the row: htmx swaps it in place, the error shown on the row itself
        return render(request, "testing/_retest_row.html", ctx)


class RetestSampleView(_RetestAction):
    permission = "testing.sample"

    def act(self, request, task) -> str:
        point = None
        if request.POST.get("point"):
            point = get_visible_or_404(
                selectors.sampling_points_for(request.user), request.user, pk=request.POST["point"]
            )
        task = services.record_retest_sample(
            task, tube_barcode=request.POST.get("tube", ""), point=point, by=request.user
        )
        return _("%(name)s → tube %(code)s: sampled.") % {
            "name": task.person,
            "code": task.retest_tube.barcode,
        }


class RetestCancelView(_RetestAction):
    permission = "testing.manage"

    def act(self, request, task) -> str:
        task = services.cancel_retest(
            task, reason_text=request.POST.get("reason", ""), by=request.user
        )
        return _("%(name)s: task cancelled.") % {"name": task.person}
