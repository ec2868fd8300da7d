from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.areas.columns import AreaColumn
from fangkong.control import selectors, services
from fangkong.control.choices import EpisodeStatus
from fangkong.control.filters import EpisodeFilter
from fangkong.control.forms import (
    EpisodeCancelForm,
    EpisodeStartForm,
    PhaseAdjustForm,
    PhaseCompleteForm,
)
from fangkong.control.models import ControlEpisode, ControlPhase
from fangkong.core.errors import DomainError
from fangkong.core.models import TimelineEvent
from fangkong.core.scoping import get_visible_or_404
from fangkong.core.views.generic import (
    Column,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    ServiceFormView,
)
from fangkong.people.selectors import persons_for
from fangkong.policy.choices import Reason
from fangkong.policy.columns import RuleSetColumn
from fangkong.policy.selectors import rule_for


def _current_kind(episode) -> str:
    phase = episode.current_phase
    return phase.get_kind_display() if phase else ""


def _day_n_of_m(episode) -> str:
    phase = episode.current_phase
    if phase is None:
        return ""
    n, m = selectors.day_of(phase)
    return _("day %(n)d of %(m)d") % {"n": n, "m": m}


class EpisodeListView(ObjectListView):
    permission = "episode.view"
    title = _("Control episodes")
    empty_text = _("No one in your areas has been under control.")
    filterset_class = EpisodeFilter
    export_permission = "person.export"
    export_name = "control-episodes"
    default_order = "-start_date"
    columns = [
        Column("person", _("Person"), accessor="person.name", order_by="person__name", link=True),
        Column("reason", _("Reason"), accessor="get_reason_display", order_by="reason"),
        Column("status", _("Status"), accessor="get_status_display", order_by="status"),
        Column("phase", _("Current phase"), accessor=_current_kind),
        Column("day", _("Day"), accessor=_day_n_of_m),
        Column(
            "phase_end",
            _("Phase ends"),
            accessor=lambda e: e.current_phase.planned_end_date if e.current_phase else "",
        ),
        Column("start_date", _("Start date"), order_by="start_date"),
        Column("end", _("Planned end"), accessor="planned_end_date"),
        AreaColumn("area", _("Area")),
        RuleSetColumn("rule_set", _("Rule set"), accessor="rule_set_code"),
    ]

    def get_queryset(self):
        return selectors.episodes_for(self.request.user).distinct()


class EpisodeDetailView(ObjectDetailView):
    permission = "episode.view"
    model = ControlEpisode
    template_name = "control/episode_detail.html"

    def get_queryset(self):
        return selectors.episodes_for(self.request.user)

    def get_context(self, obj):
        today = timezone.localdate()
        phases = [
            (
                p,
                selectors.day_of(p, today),
                PhaseAdjustForm(
                    auto_id=f"p{p.pk}_%s", initial={"new_end_date": p.planned_end_date}
                ),
                PhaseCompleteForm(auto_id=f"c{p.pk}_%s"),
            )
            for p in obj.phases.all()
        ]
        events = TimelineEvent.objects.filter(
            subject_type="people.person", subject_id=obj.person_id, data__episode=obj.pk
        ).select_related("actor")
        return {
            "object": obj,
            "phases": phases,
            "today": today,
            "events": events,
            "can_manage": self.request.user.can("episode.manage")
            and obj.status == EpisodeStatus.ACTIVE,
            "cancel_form": EpisodeCancelForm(),
        }


class EpisodeStartView(ServiceFormView):
    permission = "episode.manage"
    form_class = EpisodeStartForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.can(self.permission):
            self.person = get_visible_or_404(
                persons_for(request.user), request.user, pk=request.GET.get("person", "")
            )
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"start_date": timezone.localdate()}

    def context(self, form):
        today = timezone.localdate()
        rules = []
        for reason in Reason:
            try:
                rules.append((reason.label, rule_for(reason.value, today, area=self.person.area)))
            except DomainError:  # no rule in force for this reason today
                rules.append((reason.label, None))
        return {
            "form": form,
            "title": _("Put %(name)s under control") % {"name": self.person.name},
            "template_extra": "control/_rules_in_force.html",
            "rules": rules,
            "person": self.person,
        }

    def perform(self, form):
        d = form.cleaned_data
        return services.start_episode(
            self.person, d["reason"], start_date=d["start_date"], by=self.request.user
        )


class _OnObject(ObjectFormView):
    """A form acting on one episode or phase: another area's answers 404."""

    def success_url(self, result):
        return reverse("control:episode_detail", args=[self.episode_id])


class PhaseAdjustView(_OnObject):
    permission = "episode.manage"
    model = ControlPhase
    form_class = PhaseAdjustForm
    title = _("Extend or shorten a phase")

    def get_queryset(self):
        return selectors.phases_for(self.request.user)

    def get_initial(self):
        return {"new_end_date": self.object.planned_end_date}

    def perform(self, form):
        self.episode_id = self.object.episode_id
        return services.adjust_phase(
            self.object,
            new_end_date=form.cleaned_data["new_end_date"],
            reason_text=form.cleaned_data["reason_text"],
            by=self.request.user,
        )


class PhaseCompleteView(_OnObject):
    permission = "episode.manage"
    model = ControlPhase
    form_class = PhaseCompleteForm
    title = _("End a phase")

    def get_queryset(self):
        return selectors.phases_for(self.request.user)

    def perform(self, form):
        self.episode_id = self.object.episode_id
        return services.complete_phase(
            self.object,
            by=self.request.user,
            on_date=form.cleaned_data["on_date"],
            early_reason=form.cleaned_data["early_reason"],
        )


class EpisodeCancelView(_OnObject):
    permission = "episode.manage"
    model = ControlEpisode
    form_class = EpisodeCancelForm
    title = _("Cancel a control episode")

    def get_queryset(self):
        return selectors.episodes_for(self.request.user)

    def perform(self, form):
        self.episode_id = self.object.pk
        return services.cancel_episode(
            self.object, reason_text=form.cleaned_data["reason_text"], by=self.request.user
        )
