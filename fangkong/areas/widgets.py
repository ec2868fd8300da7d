"""The area picker: one form field, widget and filter for every area field and filter.

The widget renders a hidden input holding the area id, a box showing the chosen area's
path (镇 › 村 › 组), a search box (name, full pinyin or initials) and a tree that opens one
level at a time; ``areas/area_picker.js`` drives it through ``/api/v1/areas/picker``. Only
the user's areas are offered, and the field refuses any other id (a forged POST) with a
message naming the field.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.areas.models import Area
from fangkong.areas.selectors import areas_for
from fangkong.core.scoping import subtree_q


class AreaTreeWidget(forms.Widget):
    template_name = "areas/widgets/area_tree.html"
    # Holds several controls: a filter bar must not wrap it in one <label>.
    wraps_own_label = True

    def __init__(self, attrs=None, *, max_depth: int | None = None, submit_on_pick=False):
        super().__init__(attrs)
        self.max_depth = max_depth
        self.submit_on_pick = submit_on_pick
        self.queryset: QuerySet[Area] = Area.objects.none()

    def id_for_label(self, id_: str) -> str:
        return f"{id_}_search" if id_ else id_

    def chosen(self, value: Any) -> Area | None:
        """The area ``value`` names, if the field may offer it (never another area's name)."""
        if isinstance(value, Area):
            value = value.pk
        try:
            pk = int(value)
        except (TypeError, ValueError):
            return None
        return self.queryset.filter(pk=pk).first()

    def get_context(self, name: str, value: Any, attrs: dict | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        area = self.chosen(value)
        context["widget"].update(
            value=str(area.pk) if area else "",
            path=area.path_label if area else "",
            url=reverse("api:picker"),
            search_url=reverse("api:picker_search"),
            max_depth=self.max_depth or "",
            submit_on_pick=self.submit_on_pick,
        )
        return context


class AreaTreeMultipleWidget(AreaTreeWidget):
    """Several areas (a user's areas): each chosen one listed with its path and a remove
    button, one hidden input each."""

    allow_multiple_selected = True

    def value_from_datadict(self, data, files, name):
        getter = getattr(data, "getlist", None)
        return getter(name) if getter else data.get(name)

    def value_omitted_from_data(self, data, files, name) -> bool:
        return False  # an empty list is a choice (like a <select multiple>)

    def get_context(self, name: str, value: Any, attrs: dict | None) -> dict[str, Any]:
        context = super().get_context(name, None, attrs)
        pks = []
        for v in value or ():
            try:
                pks.append(int(v.pk if isinstance(v, Area) else v))
            except (TypeError, ValueError):
                continue
        chosen = list(self.queryset.filter(pk__in=pks).order_by("path")) if pks else []
        Area.label_paths(chosen)
        context["widget"].update(multiple=True, chosen=chosen)
        return context


class _OffersItsQueryset:
    """The widget offers (and shows) only what the field accepts."""

    def _set_queryset(self, queryset):
        super()._set_queryset(queryset)  # type: ignore[misc]
        self.widget.queryset = self.queryset  # type: ignore[attr-defined]

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)  # type: ignore[attr-defined]


class AreaField(_OffersItsQueryset, forms.ModelChoiceField):
    """An area within the user's areas (the form sets ``queryset`` to ``areas_for(user)``,
    narrowed as the field needs), picked in the tree."""

    widget = AreaTreeWidget
    default_error_messages = {
        "invalid_choice": _("This area is not within your areas. Pick one from the tree."),
    }

    def __init__(self, queryset=None, *, max_depth: int | None = None, **kwargs):
        kwargs.setdefault("widget", AreaTreeWidget(max_depth=max_depth))
        super().__init__(Area.objects.none() if queryset is None else queryset, **kwargs)


class AreaFilter(django_filters.ModelChoiceFilter):
    """Records in an area and everything below it, picked in the tree; only the user's
    areas are accepted (another area's id makes the filter invalid)."""

    field_class = AreaField

    def __init__(self, *args, max_depth: int | None = None, **kwargs):
        self.max_depth = max_depth
        kwargs.setdefault("queryset", self.users_areas)
        kwargs.setdefault("widget", AreaTreeWidget(max_depth=max_depth, submit_on_pick=True))
        super().__init__(*args, **kwargs)

    def users_areas(self, request) -> QuerySet[Area]:
        if request is None:
            return Area.objects.none()
        qs = areas_for(request.user)
        return qs if self.max_depth is None else qs.filter(depth__lte=self.max_depth)

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(subtree_q([value.path], f"{self.field_name}__path"))


class AreaMultipleField(_OffersItsQueryset, forms.ModelMultipleChoiceField):
    """Several areas, picked in the tree (``queryset`` as for ``AreaField``)."""

    widget = AreaTreeMultipleWidget
    default_error_messages = {
        "invalid_choice": AreaField.default_error_messages["invalid_choice"],
        "invalid_pk_value": AreaField.default_error_messages["invalid_choice"],
    }

    def __init__(self, queryset=None, *, max_depth: int | None = None, **kwargs):
        kwargs.setdefault("widget", AreaTreeMultipleWidget(max_depth=max_depth))
        super().__init__(Area.objects.none() if queryset is None else queryset, **kwargs)
