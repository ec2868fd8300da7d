"""Pages of isolation sites: the command centre's capacity page and the site manager's
phone pages (board, room, due list, overstays)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from fangkong.areas.columns import AreaColumn
from fangkong.core.errors import DomainError
from fangkong.core.scoping import get_all_visible_or_404, get_visible_or_404
from fangkong.core.timeline import timeline_of
from fangkong.core.views.generic import (
    Column,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    ServiceFormView,
)
from fangkong.people.selectors import search_persons
from fangkong.policy.choices import Reason
from fangkong.sites import selectors, services
from fangkong.sites.choices import RoomState
from fangkong.sites.filters import SiteFilter
from fangkong.sites.forms import BulkRoomsForm, SiteForm
from fangkong.sites.models import IsolationSite, Room, Stay


def _need(request: HttpRequest, permission: str) -> None:
    if not request.user.is_authenticated:
        raise PermissionDenied
    if not request.user.can(permission):
        raise PermissionDenied


class SiteListView(ObjectListView):
    permission = "site.view"
    title = gettext_lazy("Isolation sites")
    empty_text = gettext_lazy("No isolation site in your areas yet.")
    filterset_class = SiteFilter
    default_order = "name"
    create_url = reverse_lazy("sites:site_create")
    columns = [
        Column("name", gettext_lazy("Name"), order_by="name", link=True),
        Column("kind", gettext_lazy("Kind"), accessor="get_kind_display"),
        Column("status", gettext_lazy("Status"), accessor="get_status_display", order_by="status"),
        AreaColumn("area", gettext_lazy("Area")),
        Column("manager_name", gettext_lazy("Manager")),
    ]

    def get_queryset(self):
        return IsolationSite.objects.select_related("area")

    def can_create(self):
        return self.request.user.can("site.manage")


class SiteCreateView(ServiceFormView):
    permission = "site.manage"
    form_class = SiteForm
    title = gettext_lazy("Register an isolation site")

    def get_form_kwargs(self):
        return {"user": self.request.user}

    def perform(self, form):
        return services.create_site(
            by=self.request.user, data=services.SiteData(**form.cleaned_data)
        )


class SiteDetailView(ObjectDetailView):
    permission = "site.view"
    template_name = "sites/site_detail.html"
    model = IsolationSite

    def get_context(self, obj):
        user = self.request.user
        report = selectors.capacity(user, site=obj)
        return {
            "object": obj,
            "cap": report.sites[0] if report.sites else None,
            "turnaround": selectors.turnaround(user, site=obj).get(obj.pk),
            "overdue": selectors.overdue_turnovers(user, site=obj),
            "can_manage": user.can("site.manage"),
        }


class BulkRoomsView(ObjectFormView):
    """Another area's site answers 404 here too, on GET as on POST."""

    permission = "site.manage"
    model = IsolationSite
    form_class = BulkRoomsForm
    title = gettext_lazy("Add rooms: floors × rooms per floor")

    def perform(self, form):
        services.bulk_create_rooms(self.object, by=self.request.user, **form.cleaned_data)
        return self.object


def capacity(request: HttpRequest) -> HttpResponse:
    _need(request, "capacity.view")
    report = selectors.capacity(request.user)
    return render(
        request, "sites/capacity.html", {"title": _("Isolation capacity"), "report": report}
    )


def board(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, "site.view")
    site = get_visible_or_404(IsolationSite, request.user, pk=pk)
    groups = selectors.board(site)
    return render(
        request,
        "sites/board.html",
        {
            "title": _("Rooms of %(site)s") % {"site": site.name},
            "site": site,
            "groups": [(RoomState(s).label, s, rooms) for s, rooms in groups],
            "can_turnover": request.user.can("room.turnover"),
        },
    )


@require_POST
def room_step(request: HttpRequest, pk: int) -> HttpResponse:
    """One turnover step from the board (htmx swaps the room's card) or a plain form."""
    _need(request, "room.turnover")
    room = get_visible_or_404(Room.objects.select_related("site__area"), request.user, pk=pk)
    was, error = room.state, ""
    try:
        services.record_step(
            room, request.POST.get("step", ""), by=request.user, note=request.POST.get("note", "")
        )
    except DomainError as exc:
        error = str(exc.message)
    if request.htmx:
        room.refresh_from_db()
        return _board_step_response(request, room, moved=room.state != was, error=error)
    if error:
        messages.error(request, error)
    return redirect(request.POST.get("next") or reverse("sites:board", args=[room.site_id]))


def _board_step_response(
    request: HttpRequest, room: Room, *, moved: bool, error: str
) -> HttpResponse:
    """The board after a step, without a reload: a room that changed state leaves its group
    (the card, htmx's target, is replaced by nothing) and its new group is sent out of band
    with the card in place; otherwise the card is swapped where it stands (with the error).
    Every group's count is sent out of band too."""
    if moved:
        group = {
            "label": RoomState(room.state).label,
            "state": room.state,
            "rooms": selectors.board_group(room.site, room.state),
            "can_turnover": True,
            "oob": True,
        }
        response = HttpResponse(render_to_string("sites/_board_group.html", group, request))
    else:
        response = render(
            request,
            "sites/_room_card.html",
            {"room": room, "can_turnover": True, "error": error},
            status=409 if error else 200,
        )
    counts = selectors.room_counts(room.site)
    response.write(render_to_string("sites/_board_counts.html", {"counts": counts}, request))
    return response


def room_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, "site.view")
    room = get_visible_or_404(Room.objects.select_related("site__area"), request.user, pk=pk)
    stays = list(selectors.open_stays_for(request.user).filter(room=room))
    selectors.attach_next_phases(stays)
    return render(
        request,
        "sites/room_detail.html",
        {
            "title": f"{room.site.name} {room.number}",
            "room": room,
            "stays": stays,
            "timeline": timeline_of(room, limit=50),
            "can_stay": request.user.can("stay.manage"),
            "can_turnover": request.user.can("room.turnover"),
            "today": timezone.localdate(),
            "reasons": Reason.choices,
        },
    )


@require_POST
def room_check_in(request: HttpRequest, pk: int) -> HttpResponse:
    """Check in by document number or phone, one per line (a household: several lines)."""
    _need(request, "stay.manage")
    room = get_visible_or_404(Room.objects.select_related("site__area"), request.user, pk=pk)
    persons, missing = [], []
    for line in (request.POST.get("people") or "").splitlines():
        if not line.strip():
            continue
        try:
            found = list(search_persons(request.user, line.strip())[:2])
        except DomainError:  # e.g. six digits without a name: not one person
            found = []
        if len(found) != 1:
            missing.append(line.strip())
        else:
            persons.append(found[0])
    try:
        if missing:
            raise DomainError(_("Not found within your areas: %(l)s") % {"l": ", ".join(missing)})
        # asked, never assumed: the service refuses a missing or unknown reason
        services.check_in(room, persons, by=request.user, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Checked in."))
    return redirect("sites:room_detail", pk=room.pk)


def _say_home_checks(request: HttpRequest, released: list[Stay]) -> None:
    """What the home-isolation gate found for each person released into home isolation: a
    warning where the home is still to be checked or failed (the person goes to centralized
    placement instead)."""
    for s in released:
        check = getattr(s, "home_check", None)
        if check is not None:
            say = messages.warning if check.needs_action else messages.info
            say(request, _("%(name)s: %(check)s.") % {"name": s.person.name, "check": check})


@require_POST
def stay_release(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, "stay.manage")
    stay = get_visible_or_404(
        selectors.stays_for(request.user).select_related("site__area"), request.user, pk=pk
    )
    try:
        done = services.release(
            stay, by=request.user, early_reason=request.POST.get("early_reason", "")
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("%(name)s released.") % {"name": stay.person.name})
        _say_home_checks(request, [done])
    return redirect(request.POST.get("next") or reverse("sites:room_detail", args=[stay.room_id]))


def due(request: HttpRequest) -> HttpResponse:
    _need(request, "site.view")
    on = timezone.localdate()
    if request.method == "POST":
        _need(request, "stay.manage")
        ids = [int(i) for i in request.POST.getlist("stay") if i.isdigit()]
        try:
            stays = get_all_visible_or_404(
                selectors.stays_for(request.user), request.user, ids, error_field="stay"
            )
            if not stays:
                raise DomainError(_("Choose at least one person to release."))
            done = services.release_batch(stays, by=request.user)
        except DomainError as exc:
            messages.error(request, str(exc.message))
            for msgs in exc.fields.values():
                for m in msgs:
                    messages.error(request, str(m))
        else:
            messages.success(
                request,
                ngettext("%(n)d person released.", "%(n)d persons released.", len(done))
                % {"n": len(done)},
            )
            _say_home_checks(request, done)
        return redirect("sites:due")
    groups: dict = {}
    due_stays = list(selectors.due_stays(request.user, on=on))
    selectors.attach_next_phases(due_stays)  # and what the home-isolation gate will find
    for stay in due_stays:
        groups.setdefault(stay.site, []).append(stay)
    return render(
        request,
        "sites/due.html",
        {
            "title": _("Releases due today and tomorrow"),
            "groups": groups,
            "today": on,
            "tomorrow": on + dt.timedelta(days=1),
            "can_stay": request.user.can("stay.manage"),
        },
    )


def overstays(request: HttpRequest) -> HttpResponse:
    _need(request, "site.view")
    if request.method == "POST":
        _need(request, "stay.manage")
        stay = get_visible_or_404(
            selectors.stays_for(request.user).select_related("site__area"),
            request.user,
            pk=request.POST.get("stay"),
        )
        try:
            services.record_overstay_reason(
                stay, by=request.user, reason=request.POST.get("reason", "")
            )
        except DomainError as exc:
            messages.error(request, str(exc.message))
        return redirect("sites:overstays")
    return render(
        request,
        "sites/overstays.html",
        {
            "title": _("Past the planned end"),
            "stays": selectors.overstays(request.user)[:500],
            "today": timezone.localdate(),
            "can_stay": request.user.can("stay.manage"),
        },
    )


def room_url(room: Room) -> str:
    return reverse("sites:room_detail", args=[room.pk])
