import json

from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views import View

from fangkong.core.views.generic import (
    Column,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    ServiceFormView,
)
from fangkong.core.views.mixins import PermissionMixin
from fangkong.policy import selectors, services
from fangkong.policy.choices import Scope
from fangkong.policy.forms import RuleSetEndForm, RuleSetJsonForm
from fangkong.policy.loader import DATA_DIR, SHIPPED_FILES, read_file
from fangkong.policy.models import RuleSet


class RuleSetListView(ObjectListView):
    permission = "policy.view"
    title = _("Control rule sets")
    empty_text = _("No rule set yet.")
    template_name = "policy/ruleset_list.html"
    default_order = "-effective_from"
    create_url = reverse_lazy("policy:ruleset_create")
    columns = [
        Column(
            "name", pgettext_lazy("thing", "Name"), accessor="label", order_by="name", link=True
        ),
        Column("scope", _("Scope"), accessor="get_scope_display", order_by="scope"),
        Column("county", _("County"), accessor="county.name"),
        Column("effective_from", _("In force from"), order_by="effective_from"),
        Column(
            "effective_to",
            _("In force until"),
            accessor=lambda rs: rs.effective_to or _("until further notice"),
            order_by="effective_to",
        ),
    ]

    def get_queryset(self):
        return selectors.rule_sets()

    def can_create(self):
        return self.request.user.can("policy.manage")


class RuleSetDetailView(ObjectDetailView):
    permission = "policy.view"
    model = RuleSet
    template_name = "policy/ruleset_detail.html"

    def get_queryset(self):
        return selectors.with_rules(selectors.rule_sets())

    def get_context(self, obj):
        user = self.request.user
        return {
            "object": obj,
            "rules": obj.rules.all(),
            "in_force": obj.in_force_on(timezone.localdate()),
            "can_end": obj.scope == Scope.COUNTY and user.can("policy.manage"),
            "end_form": RuleSetEndForm(),
        }


class RuleSetCompareView(PermissionMixin, View):
    permission = "policy.view"

    def get(self, request):
        sets = list(selectors.rule_sets().order_by("effective_from", "code"))
        by_id = {str(rs.pk): rs for rs in sets}
        a = by_id.get(request.GET.get("a", ""))
        b = by_id.get(request.GET.get("b", ""))
        if (a is None or b is None) and len(sets) >= 2 and not request.GET:
            a, b = sets[-2], sets[-1]
        rows = selectors.compare_rule_sets(a, b) if a and b else []
        return render(
            request,
            "policy/ruleset_compare.html",
            {"title": _("Compare rule sets"), "sets": sets, "a": a, "b": b, "rows": rows},
        )


def example_county_json(user) -> str:
    """The 20 measures as a starting point for the user's county."""
    data = read_file(DATA_DIR / SHIPPED_FILES[-1])
    county = next((a for a in user.areas.all() if a.kind == "county"), None)
    today = timezone.localdate().isoformat()
    data.update(
        code=f"{county.code if county else 'county'}-{today}",
        name=str(_("County rules")),
        scope=Scope.COUNTY.value,
        county=county.code if county else "",
        effective_from=today,
        effective_to=None,
        source="",
        notes="",
    )
    return json.dumps(data, ensure_ascii=False, indent=2)


class RuleSetCreateView(ServiceFormView):
    permission = "policy.manage"
    form_class = RuleSetJsonForm
    title = _("Enter a county rule set")

    def get_initial(self):
        return {"json": example_county_json(self.request.user)}

    def perform(self, form):
        return services.create_rule_set(form.cleaned_data["json"], by=self.request.user)


class RuleSetEndView(ObjectFormView):
    permission = "policy.manage"
    model = RuleSet
    form_class = RuleSetEndForm
    title = _("End a county rule set")

    def get_queryset(self):
        return selectors.rule_sets()

    def perform(self, form):
        return services.end_rule_set(
            self.object, effective_to=form.cleaned_data["effective_to"], by=self.request.user
        )

    def success_url(self, result):
        return reverse("policy:ruleset_detail", args=[result.pk])
