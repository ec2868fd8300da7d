"""Generic list / detail / create views that apps fill in declaratively (like NetBox's).

A list view names its ``model`` (or its ``filterset_class``'s), and its ``columns``;
filtering, sorting, paging, htmx partial updates and the Excel export (masked unless the
role may and asks, audited) come from here.

Scoping is the base views' job, not the app's: whatever ``get_queryset`` returns (by
default every row of ``model``; override it only to narrow or to add ``select_related``)
goes through ``scoped(..., request.user)``, and one object is looked up with
``get_visible_or_404``. A view that forgets to scope cannot show another area's rows; an
object of another area answers 404 like a missing one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.forms import PasswordInput
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View

from fangkong.core import audit, counts, ratelimit
from fangkong.core.errors import DomainError, RateLimited, ValidationFailed
from fangkong.core.export import xlsx_stream_response
from fangkong.core.scoping import (
    from_first_in_scope,
    get_visible_or_404,
    large_scope,
    scoped,
    scoped_for_walk,
)
from fangkong.core.services import exports
from fangkong.core.text import control_errors
from fangkong.core.views.errors import rate_limited
from fangkong.core.views.mixins import PermissionMixin


@dataclass
class Column:
    """One column of a list: label, how to read the value, and whether it sorts or links."""

    name: str
    label: Any
    accessor: str | Callable[[Any], Any] | None = None
    order_by: str | None = None
    link: bool = False
    full: str | None = None  # accessor of the unmasked value, for a permitted full export

    def value(self, obj: Any, *, full: bool = False) -> Any:
        acc = (self.full if full and self.full else None) or self.accessor or self.name
        if callable(acc):
            return acc(obj)
        value: Any = obj
        for part in acc.split("."):
            value = getattr(value, part, None)
            if value is None:
                return ""
        if callable(value):
            value = value()
        return value

    def prepare(self, objects: Sequence[Any]) -> None:
        """Read what a page of rows needs in one go (no query per row); nothing by default."""

    def display(self, obj: Any) -> Any:
        """The value as a list page shows it: dates as 2022-11-23, times in local time."""
        value = self.value(obj)
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        if isinstance(value, dt.datetime):
            return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
        if isinstance(value, dt.date):
            return value.isoformat()
        return value


class ScopedViewMixin:
    """The queryset of a generic view: the declared ``model``'s rows the user may see."""

    model: Any = None
    # A system page over records that belong to no area (the audit log, failed tasks) says
    # so here; its permission is then its only guard. Nothing holding people's data may.
    area_free = False

    def get_model(self) -> Any:
        if self.model is not None:
            return self.model
        filterset = getattr(self, "filterset_class", None)
        if filterset is not None:
            return filterset._meta.model
        raise NotImplementedError(f"{type(self).__name__} names no model")

    def get_queryset(self):
        """Override to narrow (``.filter``) or to join (``select_related``); the rows are
        limited to the user's areas afterwards whatever this returns."""
        return self.get_model()._default_manager.all()

    def scoped_queryset(self):
        qs = self.get_queryset()
        return qs if self.area_free else scoped(qs, self.request.user)


class ObjectListView(ScopedViewMixin, PermissionMixin, View):
    template_name = "core/object_list.html"
    table_template = "core/_object_table.html"
    filterset_class: Any = None
    columns: list[Column] = []
    title: Any = ""
    create_url: str | None = None
    export_permission = ""
    export_name = "export"
    # The order when the user picks none: a field, or fields ending with a unique one so
    # that rows sharing the first value keep their place from one page to the next.
    default_order: str | tuple[str, ...] = "-pk"
    # Sort keys backed by an index that a county's or a township's unfiltered list reads in
    # order (``scoping.scoped_for_walk``) instead of sorting every row of its areas; "" is
    # the default order.
    walk_orders: frozenset[str] = frozenset()
    walked = False  # whether this request's list is read that way
    page_size = settings.FANGKONG_PAGE_SIZE
    # What an empty list says when no filter is set: why it is empty (a list never just
    # says "nothing"); with filters set it says the filters hide the rest.
    empty_text: Any = _("Nothing in your areas yet.")

    def get_columns(self) -> list[Column]:
        """The columns this user sees (and exports): override to decide per role."""
        return self.columns

    def filtered(self):
        qs = self.scoped_queryset()
        sort = self.request.GET.get("sort", "")
        key = sort.lstrip("-")
        self.walked = key in self.walk_orders and not self.area_free and self._walkable()
        if self.walked:
            qs = scoped_for_walk(self.get_queryset(), self.request.user)
        fs = None
        if self.filterset_class is not None:
            fs = self.filterset_class(self.request.GET or None, queryset=qs, request=self.request)
            if fs.is_bound and fs.is_valid():
                try:  # a search the filter refuses says why beside its field
                    qs = fs.qs
                except ValidationFailed as exc:
                    add_domain_error(fs.form, exc)
                    qs = qs.none()
        allowed = {c.order_by for c in self.get_columns() if c.order_by}
        default = self.default_order
        order = (sort,) if key in allowed else (default,) if isinstance(default, str) else default
        if order == ("pk",) and not self.area_free:  # read by key: from the areas' first row
            qs = from_first_in_scope(qs, self.request.user)
        qs = qs.order_by(*order)
        return fs, qs

    def get(self, request, *args, **kwargs):
        fs, qs = self.filtered()
        if request.GET.get("export") == "xlsx":
            try:
                return self.export(qs)
            except RateLimited as exc:
                return rate_limited(request, exc)
        filtered = bool(
            fs is not None
            and fs.is_bound
            and any(v for k, v in request.GET.items() if k in fs.filters)
        )
        paginator = Paginator(qs, self.page_size)
        known = None if filtered else self.unfiltered_count()
        capped = False
        if known is None and self.walked:  # counted the plain way: by the area index
            known = self.scoped_queryset().count()
        first: list[Any] | None = None
        if known is None and request.GET.get("page", "1") in ("", "1"):
            # the first page of a search: read one row more than a page, and when that is
            # all there is, the page gives the length (most searches find a few people)
            first = list(qs[: self.page_size + 1])
            if len(first) <= self.page_size:
                known = len(first)
        if known is None:  # a search counts no further than its bound (core.counts)
            known, capped = counts.length(qs)
        paginator.count = known  # the paginator's cached property, filled without its COUNT
        page = paginator.get_page(request.GET.get("page"))
        columns = self.get_columns()
        objects = (
            first[: self.page_size]
            if first is not None and page.number == 1
            else list(page.object_list)
        )
        for column in columns:
            column.prepare(objects)
        query = request.GET.copy()
        query.pop("page", None)
        ctx = {
            "title": self.title,
            "filter": fs,
            "columns": columns,
            "rows": [(obj, [c.display(obj) for c in columns]) for obj in objects],
            "page": page,
            "query": query.urlencode(),
            "sort": request.GET.get("sort", ""),
            "create_url": self.create_url if self.can_create() else None,
            "can_export": bool(self.export_permission) and request.user.can(self.export_permission),
            "can_export_full": request.user.can("pii.export_full"),
            "table_template": self.table_template,
            "empty_text": self.empty_text,
            "filtered": filtered,
            "count_capped": capped,
        }
        ctx.update(self.extra_context())
        template = self.table_template if request.htmx else self.template_name
        return render(request, template, ctx)

    def _walkable(self) -> bool:
        # a filter would make the walk read far for a page of matches; the page number is fine
        query = self.request.GET
        others = set(query) - {"sort", "page"}
        return not any(query.get(k) for k in others) and large_scope(self.request.user)

    def extra_context(self) -> dict[str, Any]:
        return {}

    def unfiltered_count(self) -> int | None:
        """The length of the whole list when no filter is set, if the app keeps it (a
        ``core.counts`` count) or counts it more cheaply than the list's own queryset:
        spares the paginator's COUNT. None: counted by the paginator."""
        return None

    def can_create(self) -> bool:
        return False

    def export(self, qs):
        user = self.request.user
        if not self.export_permission or not user.can(self.export_permission):
            raise PermissionDenied
        full = self.request.GET.get("full") == "1"
        if full and not user.can("pii.export_full"):
            raise PermissionDenied
        ratelimit.hit(user, "export")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        filename = f"{self.export_name}-{stamp}.xlsx"
        many = settings.FANGKONG_EXPORT_BACKGROUND_ROWS
        # counted no further than the threshold: a long list costs no full count here
        if many and qs.order_by().values("pk")[: many + 1].count() > many:
            query = self.request.GET.copy()
            for key in ("export", "full", "page"):
                query.pop(key, None)
            job, _new = exports.request_export(
                by=user, path=self.request.path_info, query=query.urlencode(), title=str(self.title),
                filename=filename, permission=self.export_permission, full=full,
            )  # fmt: skip
            return HttpResponseRedirect(job.get_absolute_url())
        limit = settings.FANGKONG_EXPORT_MAX_ROWS
        columns = self.get_columns()
        rows = self.export_rows(qs[:limit], columns, full=full)
        # recorded before the first byte: an export cut off half-way was still an export
        audit.record(
            audit.Action.EXPORT,
            by=user,
            object_type=qs.model._meta.label_lower,
            object_repr=str(self.title),
            detail=f"{'full' if full else 'masked'}; filters: {self.request.GET.urlencode()}"[:500],
        )
        return xlsx_stream_response(
            [str(c.label) for c in columns], rows, filename, title=str(self.title)
        )

    def export_rows(self, qs, columns: list[Column], *, full: bool) -> Iterator[list[Any]]:
        """The exported values of ``qs``'s rows (streamed here, written by the worker for
        a background export): full values only when ``full``."""
        return (
            [c.value(obj, full=full) for c in columns]
            for obj in self._prepared(qs.iterator(chunk_size=2000), columns)
        )

    def _prepared(
        self, objects: Iterator[Any], columns: list[Column], size: int = 2000
    ) -> Iterator[Any]:
        """The export's rows, each chunk prepared by the columns like a page."""
        while batch := list(islice(objects, size)):
            for column in columns:
                column.prepare(batch)
            yield from batch


class ObjectDetailView(ScopedViewMixin, PermissionMixin, View):
    template_name = ""
    pk_url_kwarg = "pk"

    def get_object(self):
        return get_visible_or_404(
            self.get_queryset(), self.request.user, pk=self.kwargs[self.pk_url_kwarg]
        )

    def get_context(self, obj) -> dict[str, Any]:
        return {"object": obj}

    def get(self, request, *args, **kwargs):
        obj = self.get_object()
        return render(request, self.template_name, self.get_context(obj))


class ServiceFormView(PermissionMixin, View):
    """A form whose valid data goes to a service; a DomainError lands on the form, field by
    field, and nothing is written."""

    template_name = "core/object_form.html"
    form_class: Any = None
    title: Any = ""

    def get_form_kwargs(self) -> dict[str, Any]:
        return {}

    def get_initial(self) -> dict[str, Any]:
        return {}

    def perform(self, form) -> Any:
        raise NotImplementedError

    def success_url(self, result) -> str:
        return result.get_absolute_url()

    def context(self, form) -> dict[str, Any]:
        return {"form": form, "title": self.title}

    def get(self, request, *args, **kwargs):
        form = self.form_class(initial=self.get_initial(), **self.get_form_kwargs())
        return render(request, self.template_name, self.context(form))

    def post(self, request, *args, **kwargs):
        form = self.form_class(request.POST, request.FILES or None, **self.get_form_kwargs())
        if form.is_valid() and not refuse_control_characters(form):
            try:
                result = self.perform(form)
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                return HttpResponseRedirect(self.success_url(result))
        return render(request, self.template_name, self.context(form), status=422)


class ObjectFormView(ScopedViewMixin, ServiceFormView):
    """A form acting on one object of ``model`` (``self.object``), looked up once the user's
    role is checked: another area's object answers 404 on GET and POST alike."""

    pk_url_kwarg = "pk"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and (
            not self.permission or request.user.can(self.permission)
        ):
            self.object = get_visible_or_404(
                self.get_queryset(), request.user, pk=kwargs[self.pk_url_kwarg]
            )
        return super().dispatch(request, *args, **kwargs)


def refuse_control_characters(form) -> bool:
    """Put an error on each text field holding a control character (passwords aside);
    whether there was one."""
    texts = {
        name: value
        for name, value in form.cleaned_data.items()
        if not isinstance(form.fields[name].widget, PasswordInput)
    }
    errors = control_errors(texts)
    for name, messages in errors.items():
        for m in messages:
            form.add_error(name, m)
    return bool(errors)


def add_domain_error(form, exc: DomainError) -> None:
    if not exc.fields:
        form.add_error(None, str(exc.message))
    for field, messages in exc.fields.items():
        target = field if field in form.fields else None
        for m in messages:
            form.add_error(target, str(m) if target else f"{field}: {m}")
