"""Pages of cases and contacts: the command centre's case candidates (阳性待核). Every write
goes through ``services``; a row's action answers htmx with the row alone."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from fangkong.cases import selectors, services
from fangkong.cases.choices import CaseKind
from fangkong.core.errors import DomainError
from fangkong.core.scoping import get_visible_or_404
from fangkong.core.views.mixins import PermissionMixin


def _back(request, url_name: str, error: str, done: str) -> HttpResponseRedirect:
    """Without htmx: the outcome as a message on the list page."""
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return HttpResponseRedirect(reverse(url_name))


# --- case candidates -------------------------------------------------------------------------
class CandidateListView(PermissionMixin, View):
    """Open candidates first (the longest waiting on top), then the recent decisions."""

    permission = "testing.result.view"

    def get(self, request):
        open_, decided = selectors.candidate_board(request.user)
        ctx = {
            "title": _("Case candidates"),
            "open": open_,
            "decided": decided,
            "can_decide": request.user.can(services.candidates.DECIDE),
            "case_kinds": CaseKind.choices,
        }
        return render(request, "cases/candidates.html", ctx)


class CandidateDecideView(PermissionMixin, View):
    permission = "case.candidate.decide"

    def post(self, request, pk):
        cand = get_visible_or_404(selectors.candidates_for(request.user), request.user, pk=pk)
        action = request.POST.get("action")
        error = done = ""
        try:
            if action == "confirm":
                services.confirm_candidate(
                    cand,
                    note=request.POST.get("note", ""),
                    kind=request.POST.get("kind") or CaseKind.CONFIRMED,
                    by=request.user,
                )
                done = _("%(name)s confirmed as a case.") % {"name": cand.person}
            elif action == "dismiss":
                services.dismiss_candidate(
                    cand, reason=request.POST.get("reason", ""), by=request.user
                )
                done = _("%(name)s: candidate dismissed.") % {"name": cand.person}
            else:
                raise Http404
        except DomainError as exc:
            error = str(exc.message)
        if not request.htmx:
            return _back(request, "cases:candidates", error, done)
        cand = get_visible_or_404(
            selectors.candidates_for(request.user).select_related("tube__result", "decided_by"),
            request.user,
            pk=pk,
        )
        ctx = {"cand": cand, "error": error, "can_decide": True, "case_kinds": CaseKind.choices}
        return render(request, "cases/_candidate_row.html", ctx)
