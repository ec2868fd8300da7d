"""Pages of the testing pipeline: the sampler's scan page, rounds with coverage, boxes,
the lab bench, turnaround. Every write goes through ``services``."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View

from fangkong.areas.models import Area
from fangkong.core import audit, ratelimit
from fangkong.core.errors import DomainError, NotVisible, RateLimited
from fangkong.core.export import xlsx_stream_response
from fangkong.core.scoping import get_visible_or_404
from fangkong.core.uploads import read_upload
from fangkong.core.views.errors import rate_limited
from fangkong.core.views.mixins import PermissionMixin
from fangkong.testing import selectors, services
from fangkong.testing.choices import Outcome, TubeKind, TubeState
from fangkong.testing.models import Lab, Tube
from fangkong.testing.services import result_imports


class IndexView(PermissionMixin, View):
    permission = "testing.view"

    def get(self, request):
        user = request.user
        points = list(selectors.points_for(user)[:50])
        Area.label_paths(p.area for p in points)
        ctx = {
            "title": _("Mass testing"),
            "rounds": selectors.rounds_for(user)[:20],
            "points": points,
            "boxes": selectors.boxes_for(user).order_by("-pk")[:20],
        }
        return render(request, "testing/index.html", ctx)


class PointDetailView(PermissionMixin, View):
    permission = "testing.view"

    def get(self, request, pk):
        point = get_visible_or_404(selectors.points_for(request.user), request.user, pk=pk)
        tubes = selectors.tubes_for(request.user).filter(point=point).order_by("-pk")[:50]
        rounds = selectors.rounds_for(request.user)[:10]
        return render(
            request,
            "testing/point_detail.html",
            {"object": point, "tubes": tubes, "rounds": rounds},
        )


class RoundDetailView(PermissionMixin, View):
    """The round and its coverage (per village; per building within a village)."""

    permission = "testing.view"

    def get(self, request, pk):
        rnd = get_visible_or_404(selectors.rounds_for(request.user), request.user, pk=pk)
        area = None
        if request.GET.get("area"):
            area = get_visible_or_404(Area, request.user, pk=request.GET["area"])
        ctx = {"object": rnd, "area": area, "can_results": request.user.can("testing.result.view")}
        if ctx["can_results"]:
            ctx["coverage"] = selectors.coverage(rnd, area=area, user=request.user)
            if request.GET.get("export") == "missing":
                try:
                    ratelimit.hit(request.user, "export")
                except RateLimited as exc:
                    return rate_limited(request, exc)
                return self.export(rnd, area)
        ctx["can_manage"] = request.user.can("testing.manage")
        return render(request, "testing/round_detail.html", ctx)

    def export(self, rnd, area):
        qs = selectors.missing_persons(rnd, area=area, user=self.request.user).select_related(
            "area", "household"
        )
        rows = (
            (p.name, p.id_number_masked, p.area.name, p.household.address if p.household_id else "")
            for p in qs.iterator(chunk_size=2000)
        )
        headers = [str(h) for h in (_("Name"), _("Document number"), _("Area"), _("Household"))]
        audit.record(
            audit.Action.EXPORT, by=self.request.user, object_type="people.person",
            object_repr=f"not sampled in {rnd}", detail=f"area {area.pk if area else '-'}; masked",
        )  # fmt: skip
        name = f"not-sampled-{rnd.pk}-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
        return xlsx_stream_response(headers, rows, name, title=str(_("Not yet sampled")))


class DoorToDoorView(PermissionMixin, View):
    permission = "testing.manage"

    def post(self, request, pk):
        rnd = get_visible_or_404(selectors.rounds_for(request.user), request.user, pk=pk)
        area = get_visible_or_404(Area, request.user, pk=request.POST.get("area"))
        try:
            n = services.send_missing_to_door_to_door(rnd, area=area, by=request.user)
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(
                request,
                ngettext(
                    "%(n)d door-to-door sampling task created.",
                    "%(n)d door-to-door sampling tasks created.",
                    n,
                )
                % {"n": n},
            )
        return HttpResponseRedirect(f"{rnd.get_absolute_url()}?area={area.pk}")


# --- the sampler's page ----------------------------------------------------------------------
SESSION_KEY = "fk_sampling"


class SamplePickView(PermissionMixin, View):
    permission = "testing.sample"

    def get(self, request):
        points = selectors.sampling_points_for(request.user)
        now = timezone.now()
        rounds = selectors.rounds_for(request.user).filter(starts_at__lte=now, ends_at__gte=now)
        return render(request, "testing/sample_pick.html", {"points": points, "rounds": rounds,
                                                            "title": _("Start sampling")})  # fmt: skip


class SampleView(PermissionMixin, View):
    """One input for everything scanned: a person (ID number or QR) or a tube barcode."""

    permission = "testing.sample"

    def setup_objs(self, request, point_id, round_id):
        self.point = get_visible_or_404(
            selectors.points_for(request.user), request.user, pk=point_id
        )
        self.round = get_visible_or_404(
            selectors.rounds_for(request.user), request.user, pk=round_id
        )
        key = f"{point_id}:{round_id}"
        self.state = request.session.setdefault(SESSION_KEY, {}).setdefault(
            key, {"tube": None, "person": None}
        )
        self.key = key

    def save_state(self, request):
        request.session[SESSION_KEY][self.key] = self.state
        request.session.modified = True

    def context(self, msg: str = "", level: str = "info", **extra):
        tube = None
        if self.state.get("tube"):
            tube = Tube.objects.filter(barcode=self.state["tube"]).first()
        pending = None
        if self.state.get("person"):
            from fangkong.people.models import Person

            pending = Person.objects.filter(pk=self.state["person"]).first()
        return {"point": self.point, "round": self.round, "tube": tube, "pending": pending,
                "msg": msg, "level": level, "title": _("Sampling"), **extra}  # fmt: skip

    def get(self, request, point_id, round_id):
        self.setup_objs(request, point_id, round_id)
        return render(request, "testing/sample.html", self.context())

    def post(self, request, point_id, round_id):
        self.setup_objs(request, point_id, round_id)
        action = request.POST.get("action", "scan")
        try:
            if action == "close":
                ctx = self.close(request)
            elif action == "confirm":
                ctx = self.take(request, request.POST.get("person_id"), confirm=True)
            else:
                ctx = self.scan(request, (request.POST.get("code") or "").strip())
        except DomainError as exc:
            ctx = self.context(str(exc.message), "error",
                               repeat_of=request.POST.get("code") if exc.code == "repeat" else None)  # fmt: skip
            if exc.code == "repeat" and self.state.get("person"):
                ctx["confirm_person"] = self.state["person"]
            if exc.code == "tube_closed":
                self.state["tube"] = None
        self.save_state(request)
        template = "testing/_scan_panel.html" if request.htmx else "testing/sample.html"
        return render(request, template, ctx, status=200)

    def scan(self, request, code):
        if not code:
            return self.context(_("Scan an ID card, a personal QR code or a tube."), "error")
        person = services.find_person(code)
        if person is not None:
            self.state["person"] = person.pk
            return self.take(request, person.pk)
        # a tube barcode
        from fangkong.testing.services._common import clean_barcode

        code = clean_barcode(code, field="tube")
        tube = Tube.objects.filter(barcode=code).first()
        if tube is not None and tube.state != TubeState.OPEN:
            from fangkong.core.errors import Conflict

            raise Conflict(_("Tube %(code)s was scanned before and is %(state)s: take a new tube.")
                           % {"code": code, "state": tube.get_state_display()}, code="tube_closed")  # fmt: skip
        if self.state.get("person"):
            return self.take(request, self.state["person"], tube_code=code)
        self.state["tube"] = code
        return self.context(_("Tube %(code)s ready: scan the people.") % {"code": code}, "ok")

    def take(self, request, person_id, *, tube_code=None, confirm=False):
        from fangkong.people.models import Person
        from fangkong.testing.services.sampling import check_person

        # Only the person just scanned on this page (kept in the session), never an id typed
        # into the form: a sampler swabs whoever the round covers, found by their document.
        if str(person_id) != str(self.state.get("person")):
            raise NotVisible(_("Scan the person's document again."), field="person")
        person = Person.objects.select_related("area").get(pk=self.state["person"])
        try:
            check_person(person, self.round)
        except DomainError:
            self.state["person"] = None
            raise
        single = services.needs_single_tube(person, self.round)
        code = tube_code or (None if single else self.state.get("tube"))
        if code is None:
            self.state["person"] = person.pk
            if single:
                return self.context(
                    _("%(name)s is sampled singly: scan a new single tube.") % {"name": person},
                    "warn",
                )
            return self.context(_("%(name)s: scan a tube.") % {"name": person}, "warn")
        res = services.sample(self.round, self.point, person=person, tube_barcode=code,
                              by=request.user, confirm_repeat=confirm)  # fmt: skip
        self.state["person"] = None
        if res.tube.kind == TubeKind.POOLED:
            self.state["tube"] = None if res.closed else res.tube.barcode
        msg = _("%(name)s → tube %(code)s (%(n)d/%(cap)d).") % {
            "name": person,
            "code": res.tube.barcode,
            "n": res.tube.member_count,
            "cap": res.tube.capacity,
        }
        if res.closed:
            msg += " " + _("Tube full and closed: take a new tube.")
        return self.context(msg, "warn" if res.repeat else "ok")

    def close(self, request):
        code = self.state.get("tube")
        tube = Tube.objects.filter(barcode=code).first() if code else None
        if tube is None:
            return self.context(_("No open tube."), "error")
        services.close_tube(tube, by=request.user)
        self.state["tube"] = None
        return self.context(_("Tube %(code)s closed by hand.") % {"code": tube.barcode}, "ok")


# --- boxes and the lab -----------------------------------------------------------------------
class BoxCreateView(PermissionMixin, View):
    permission = "testing.transport"

    def post(self, request):
        point = get_visible_or_404(
            selectors.points_for(request.user), request.user, pk=request.POST.get("point")
        )
        try:
            box = services.create_box(
                barcode=request.POST.get("barcode", ""), point=point, by=request.user
            )
        except DomainError as exc:
            messages.error(request, str(exc.message))
            return HttpResponseRedirect(reverse("testing:index"))
        return HttpResponseRedirect(box.get_absolute_url())


class BoxDetailView(PermissionMixin, View):
    permission = "testing.view"

    def box(self, request, pk):
        return get_visible_or_404(selectors.openable_boxes_for(request.user), request.user, pk=pk)

    def picked_lab(self, request, labs=Lab):
        """The lab the form names, among ``labs`` (a lab to hand to, or any to receive at)."""
        if not request.POST.get("lab"):
            return None
        return get_visible_or_404(labs, request.user, pk=request.POST["lab"], error_field="lab")

    def get(self, request, pk):
        box = self.box(request, pk)
        return render(request, "testing/box_detail.html", {"object": box, "labs": selectors.labs_to_hand_to(request.user),
                                                           "tubes": box.tubes.order_by("barcode")})  # fmt: skip

    def post(self, request, pk):
        box = self.box(request, pk)
        action = request.POST.get("action")
        try:
            if action == "add":
                services.add_tube(box, request.POST.get("tube", ""), by=request.user)
            elif action == "handover":
                lab = self.picked_lab(request, selectors.labs_to_hand_to(request.user))
                services.hand_over(box, courier_name=request.POST.get("courier_name", ""),
                                   courier_phone=request.POST.get("courier_phone", ""), lab=lab,
                                   by=request.user)  # fmt: skip
            elif action == "receive":
                lab = self.picked_lab(request) or Lab.objects.filter(
                    technicians=request.user).first()  # fmt: skip
                if lab is None:
                    raise services.lab.ValidationFailed(_("Choose the lab."), field="lab")
                scanned = request.POST.get("scanned", "").split()
                r = services.receive_box(box, lab=lab, scanned=scanned or None, by=request.user)
                messages.info(request, _("Received %(n)d tubes; missing: %(m)s; extra: %(e)s.") % {
                    "n": len(r.received), "m": ", ".join(r.missing) or "—",
                    "e": ", ".join(r.extra + r.unknown) or "—"})  # fmt: skip
        except DomainError as exc:
            messages.error(request, str(exc.message))
        return HttpResponseRedirect(box.get_absolute_url())


class LabView(PermissionMixin, View):
    """The lab bench: record a result by hand, import the lab's file, publish."""

    permission = "testing.lab"

    def context(self, request, **extra):
        tubes = Tube.objects.filter(
            state__in=[TubeState.RECEIVED, TubeState.TESTED]
        ).select_related("result")
        return {"tubes": tubes.order_by("state", "received_at")[:200], "outcomes": Outcome.choices,
                "imports": selectors.result_imports_for(request.user)[:10], "title": _("Lab"),
                **extra}  # fmt: skip

    def get(self, request):
        return render(request, "testing/lab.html", self.context(request))

    def post(self, request):
        action = request.POST.get("action")
        if action == "import":
            return self.start_import(request)
        try:
            if action == "record":
                tube = services.lab.tube_for_result(request.POST.get("barcode", ""))
                services.record_result(tube, outcome=request.POST.get("outcome", ""),
                                       ct_values=request.POST.get("ct", ""), by=request.user)  # fmt: skip
                messages.success(request, _("Result recorded."))
            elif action == "publish":
                n = services.publish_results(None, by=request.user)
                messages.success(
                    request,
                    ngettext("%(n)d result published.", "%(n)d results published.", n) % {"n": n},
                )
        except DomainError as exc:
            messages.error(request, str(exc.message))
        return HttpResponseRedirect(reverse("testing:lab"))

    def start_import(self, request):
        """Queue the lab's file and go to its progress page; a file refused on upload comes
        back on this page with the reason by the file input."""
        f = request.FILES.get("file")
        try:
            content = read_upload(f, max_bytes=result_imports.MAX_BYTES)
            job = services.start_result_import(by=request.user, lab=None, filename=f.name or "",
                                               content=content)  # fmt: skip
        except DomainError as exc:
            ctx = self.context(request, import_error=exc)
            return render(request, "testing/lab.html", ctx, status=422)
        return HttpResponseRedirect(job.get_absolute_url())


class TubeDetailView(PermissionMixin, View):
    permission = "testing.view"

    def get(self, request, pk):
        tube = get_visible_or_404(selectors.tubes_for(request.user), request.user, pk=pk)
        members = tube.members.select_related("person") if request.user.can("person.view") else []
        return render(request, "testing/tube_detail.html", {"object": tube, "members": members,
                                                            "result": getattr(tube, "result", None)})  # fmt: skip


class TurnaroundView(PermissionMixin, View):
    permission = "testing.view"

    def get(self, request):
        group = request.GET.get("group", "point")
        if group not in selectors.GROUPS:
            group = "point"
        tubes = selectors.tubes_for(request.user)
        stage = request.GET.get("stage", "receipt")
        if stage not in selectors.OVERDUE_STATES:
            stage = "receipt"
        ctx = {
            "title": _("Turnaround"),
            "group": group,
            "rows": selectors.turnaround(tubes, group=group),
            "stage": stage,
            "overdue": selectors.overdue(tubes, stage).select_related("point")[:200],
            "targets": selectors.target_hours(),
        }
        return render(request, "testing/turnaround.html", ctx)
