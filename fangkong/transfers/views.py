"""Pages of transfers: the requests, the dispatch board (accept, edit, re-plan), the
driver's trip page (pick-ups ticked or scanned, arrival), the fleet."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fangkong.areas.columns import AreaColumn
from fangkong.core.actors import AuthedRequest
from fangkong.core.errors import DomainError
from fangkong.core.scoping import get_visible_or_404
from fangkong.core.timeline import timeline_of
from fangkong.core.views.generic import Column, ObjectDetailView, ObjectListView
from fangkong.transfers import selectors, services
from fangkong.transfers.filters import PlanFilter, RequestFilter, VehicleFilter
from fangkong.transfers.models import Plan, Stop, TransferRequest, Trip, Vehicle


def _need(request: AuthedRequest, permission: str) -> None:
    if not request.user.is_authenticated or not request.user.can(permission):
        raise PermissionDenied


class RequestListView(ObjectListView):
    permission = "transfer.view"
    filterset_class = RequestFilter
    title = gettext_lazy("Transfer requests (转运申请)")
    default_order = "deadline"
    columns = [
        Column("id", "#", link=True, order_by="pk"),
        Column("kind", gettext_lazy("Kind"), lambda r: r.get_kind_display()),
        Column(
            "status", gettext_lazy("Status"), lambda r: r.get_status_display(), order_by="status"
        ),
        Column("deadline", gettext_lazy("Deadline (时限)"), order_by="deadline"),
        AreaColumn("area", gettext_lazy("Pick-up area")),
        Column("site", gettext_lazy("Site"), lambda r: r.site or ""),
    ]

    def get_queryset(self):
        return TransferRequest.objects.select_related("area", "site")


class RequestDetailView(ObjectDetailView):
    permission = "transfer.view"
    template_name = "transfers/request_detail.html"
    model = TransferRequest

    def get_context(self, obj):
        from fangkong.transfers.services.links import source_of

        source, source_url = source_of(obj)
        return {
            "object": obj,
            "title": _("Transfer request #%(n)s") % {"n": obj.pk},
            "source": source,
            "source_url": source_url,
            "members": obj.members.select_related("person"),
            "can_cancel": self.request.user.can("transfer.dispatch"),
        }


class PlanListView(ObjectListView):
    permission = "transfer.view"
    filterset_class = PlanFilter
    title = gettext_lazy("Transfer plans (转运计划)")
    template_name = "transfers/plan_list.html"
    columns = [
        Column("id", "#", link=True, order_by="pk"),
        Column("status", gettext_lazy("Status"), lambda p: p.get_status_display()),
        Column("start_at", gettext_lazy("Plan starts at"), order_by="start_at"),
        AreaColumn("area", gettext_lazy("Area")),
    ]

    def extra_context(self):
        return {"can_plan": self.request.user.can("transfer.dispatch")}


class VehicleListView(ObjectListView):
    permission = "transfer.view"
    filterset_class = VehicleFilter
    title = gettext_lazy("Vehicles (转运车辆)")
    default_order = "plate"
    columns = [
        Column("plate", gettext_lazy("Plate (车牌)"), order_by="plate"),
        Column("kind", gettext_lazy("Kind"), lambda v: v.get_kind_display()),
        Column("seats", gettext_lazy("Seats")),
        Column("state", gettext_lazy("State"), lambda v: v.get_state_display(), order_by="state"),
        Column("depot", gettext_lazy("Depot"), lambda v: v.depot),
    ]

    def get_queryset(self):
        return Vehicle.objects.select_related("depot")


def board(request: AuthedRequest, pk: int) -> HttpResponse:
    """The dispatch board: per vehicle its trips, stops, times, persons and seats used."""
    _need(request, "transfer.view")
    plan = get_visible_or_404(Plan.objects.select_related("area"), request.user, pk=pk)
    vehicles = selectors.board(plan)
    trips = [bt.trip for bv in vehicles for bt in bv.trips]
    # the stops (hundreds on a county day) as one fragment per trip: the template engine
    # costs ~1 ms per stop, format_html a few µs
    base = reverse("transfers:request_list") + "requests/"
    words = {"stop": _("stop"), "persons": _("persons"), "room": _("room")}
    for bv in vehicles:
        for bt in bv.trips:
            bt.stops_html = format_html_join(
                "",
                '<li>{} <a href="{}{}/">#{}</a> <small>({} {})</small> {} · {} {}{}</li>',
                (
                    (
                        timezone.localtime(s.eta).strftime("%H:%M"), base, s.request_id,
                        s.request_id, words["stop"], s.pk, s.request.pickup_place, s.persons,
                        words["persons"],
                        f" · {words['room']} {s.room.number}" if s.room_id else "",
                    )
                    for s in bt.stops
                ),
            )  # fmt: skip
    return render(request, "transfers/board.html", {
        "title": _("Dispatch board: plan #%(n)s") % {"n": plan.pk},
        "plan": plan, "vehicles": vehicles, "trips": trips,
        "left": plan.summary.get("left", []), "violations": plan.summary.get("violations", []),
        "can_dispatch": request.user.can("transfer.dispatch"),
        "trip_url": reverse("transfers:my_trips"), "trip_page": _("trip page"),
    })  # fmt: skip


def _act(request: AuthedRequest, fn, ok: str, back: str) -> HttpResponse:
    try:
        fn()
        messages.success(request, ok)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect(back)


@require_POST
def plan_new(request: AuthedRequest) -> HttpResponse:
    _need(request, "transfer.dispatch")
    from fangkong.areas.models import Area

    roots = Area.objects.filter(path__in=request.user.area_paths).order_by("depth")
    if not roots:
        raise PermissionDenied
    plan = services.run_plan(roots[0], by=request.user)
    messages.success(
        request, _("The planner is running; this page shows the plan when it is done.")
    )
    return redirect("transfers:board", pk=plan.pk)


@require_POST
def plan_action(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    _need(request, "transfer.dispatch")
    plan = get_visible_or_404(Plan.objects.select_related("area"), request.user, pk=pk)
    back = reverse("transfers:board", args=[plan.pk])
    if action == "accept":
        return _act(
            request,
            lambda: services.accept_plan(plan, by=request.user),
            _("Plan accepted; rooms reserved."),
            back,
        )
    if action == "replan":
        new: list[Plan] = []
        resp = _act(
            request,
            lambda: new.append(services.run_plan(plan.area, by=request.user, replaces=plan)),
            _("Re-planning around the locked trips."),
            back,
        )
        return redirect("transfers:board", pk=new[0].pk) if new else resp
    if action == "move":
        stop = get_visible_or_404(
            Stop.objects.filter(trip__plan=plan), request.user, pk=request.POST.get("stop")
        )
        to = get_visible_or_404(plan.trips.all(), request.user, pk=request.POST.get("to_trip"))
        return _act(
            request,
            lambda: services.move_stop(
                stop, to_trip=to, position=int(request.POST.get("position") or 1), by=request.user
            ),
            _("Stop moved."),
            back,
        )
    raise PermissionDenied


@require_POST
def trip_lock_form(request: AuthedRequest) -> HttpResponse:
    """The board's one lock form: the trip is chosen in it."""
    return trip_lock(request, request.POST.get("trip") or "")


@require_POST
def trip_lock(request: AuthedRequest, pk: int | str) -> HttpResponse:
    _need(request, "transfer.dispatch")
    trip = get_visible_or_404(Trip.objects.select_related("plan__area"), request.user, pk=pk)
    locked = request.POST.get("locked") == "1"
    return _act(
        request,
        lambda: services.lock_trip(trip, locked=locked, by=request.user),
        _("Trip locked.") if locked else _("Trip unlocked."),
        reverse("transfers:board", args=[trip.plan_id]),
    )


def my_trips(request: AuthedRequest) -> HttpResponse:
    _need(request, "transfer.trip.run")
    return render(
        request,
        "transfers/my_trips.html",
        {"title": _("My trips"), "trips": selectors.my_trips(request.user)},
    )


def trip(request: AuthedRequest, pk: int) -> HttpResponse:
    """The driver's phone page."""
    _need(request, "transfer.view")
    t = get_visible_or_404(
        Trip.objects.select_related("vehicle", "site", "hospital", "plan"), request.user, pk=pk
    )
    return render(request, "transfers/trip.html", {
        "title": _("Trip %(plate)s/%(n)s") % {"plate": t.vehicle.plate, "n": t.seq},
        "trip": t, "stops": selectors.trip_persons(t), "can_run": request.user.can("transfer.trip.run"),
        "events": timeline_of(t.vehicle, limit=10),
    })  # fmt: skip


@require_POST
def trip_action(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    _need(request, "transfer.trip.run")
    t = get_visible_or_404(
        Trip.objects.select_related("vehicle", "plan", "area"), request.user, pk=pk
    )
    back = reverse("transfers:trip", args=[t.pk])
    if action == "dispatch":
        return _act(
            request, lambda: services.dispatch_trip(t, by=request.user), _("On the way."), back
        )
    if action == "arrive":
        return _act(
            request,
            lambda: services.arrive(t, by=request.user),
            _("Arrived; handed over to check-in."),
            back,
        )
    if action == "pick-up":
        code = (request.POST.get("code") or "").strip()
        member = int(code) if code.isdigit() else -1
        return _act(
            request,
            lambda: services.pick_up(t, member=member, by=request.user),
            _("Picked up."),
            back,
        )
    raise PermissionDenied


@require_POST
def vehicle_disinfected(request: AuthedRequest, pk: int) -> HttpResponse:
    _need(request, "transfer.view")
    v = get_visible_or_404(Vehicle.objects.select_related("depot__area"), request.user, pk=pk)
    return _act(
        request,
        lambda: services.record_disinfection(v, by=request.user),
        _("Vehicle disinfected and ready."),
        request.POST.get("next") or reverse("transfers:vehicle_list"),
    )
