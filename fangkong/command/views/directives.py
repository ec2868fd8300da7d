"""Pages of directives (督办): the board (open, overdue, closed), issuing one, one
directive with its recipients, their updates and its timeline; a recipient's actions."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.command import selectors
from fangkong.command.forms import DirectiveForm, UpdateForm
from fangkong.command.models import DirectiveRecipient, DirectiveUpdate
from fangkong.command.services import directives as services
from fangkong.command.views import need
from fangkong.core.errors import DomainError
from fangkong.core.scoping import get_visible_or_404
from fangkong.core.timeline import timeline_of
from fangkong.core.views.generic import add_domain_error


def directive_list(request: HttpRequest) -> HttpResponse:
    need(request, "directive.view")
    rows = (
        selectors.recipients_for(request.user)
        .order_by("directive__deadline", "pk")
        .select_related("directive")
    )
    show = request.GET.get("show", "open")
    now = timezone.now()
    if show == "overdue":
        rows = rows.filter(state__in=selectors.OPEN_STATES, directive__deadline__lt=now)
    elif show == "closed":
        rows = rows.exclude(state__in=selectors.OPEN_STATES)
    else:
        show = "open"
        rows = rows.filter(state__in=selectors.OPEN_STATES)
    return render(
        request,
        "command/directive_list.html",
        {"title": _("Directives"), "rows": rows[:300], "show": show, "now": now,
         "board": selectors.directive_board(request.user, now),
         "can_issue": request.user.can("directive.issue")},
    )  # fmt: skip


def directive_create(request: HttpRequest) -> HttpResponse:
    need(request, "directive.issue")
    form = DirectiveForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            d = services.issue(
                by=request.user, title=form.cleaned_data["title"],
                body=form.cleaned_data["body"], deadline=form.cleaned_data["deadline"],
                areas=form.cleaned_data["areas"], departments=form.cleaned_data["departments"],
            )  # fmt: skip
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Directive issued."))
            return redirect(d.get_absolute_url())
    return render(request, "core/object_form.html", {"title": _("New directive"), "form": form})


def directive_detail(request: HttpRequest, pk: int) -> HttpResponse:
    need(request, "directive.view")
    d = get_visible_or_404(selectors.directives_for(request.user), request.user, pk=pk)
    recips = list(
        selectors.recipients_for(request.user).filter(directive=d).select_related("department")
    )
    mine = set(  # the recipients the user answers for: one query
        DirectiveRecipient.objects.filter(
            selectors.acts_for(request.user), directive=d
        ).values_list("pk", flat=True)
    )
    updates = (
        DirectiveUpdate.objects.visible_to(request.user)
        .filter(recipient__directive=d)
        .select_related("by", "recipient")
    )
    return render(
        request,
        "command/directive_detail.html",
        {"title": d.title, "d": d, "recipients": recips, "mine": mine, "updates": updates,
         "timeline": timeline_of(d), "form": UpdateForm(), "now": timezone.now(),
         "can_issue": request.user.can("directive.issue")},
    )  # fmt: skip


ACTIONS = {
    "acknowledge": lambda r, by, f: services.acknowledge(r, by=by),
    "progress": lambda r, by, f: services.report_progress(
        r, by=by, note=f.cleaned_data["note"], upload=f.cleaned_data["attachment"]),
    "close": lambda r, by, f: services.close(
        r, by=by, note=f.cleaned_data["note"], upload=f.cleaned_data["attachment"]),
    "escalate": lambda r, by, f: services.escalate(r, by=by, note=f.cleaned_data["note"]),
    "withdraw": lambda r, by, f: services.withdraw(r, by=by, note=f.cleaned_data["note"]),
}  # fmt: skip


@require_POST
def recipient_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    need(request, "directive.view")
    r = get_visible_or_404(selectors.recipients_for(request.user), request.user, pk=pk)
    if action not in ACTIONS:
        return redirect(r.directive.get_absolute_url())
    form = UpdateForm(request.POST, request.FILES)
    form.is_valid()
    try:
        ACTIONS[action](r, request.user, form)
    except DomainError as exc:
        if exc.status == 403:
            raise DjangoPermissionDenied(str(exc.message)) from exc
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Saved."))
    return redirect(r.directive.get_absolute_url())
