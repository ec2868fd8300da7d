"""A background export's page (its progress, polled with htmx while it runs) and its
download; and ``list_rows``, which rebuilds the list page in the worker."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import resolve
from django.utils.translation import gettext as _

from fangkong.core.errors import Gone, NotFound
from fangkong.core.export import XLSX
from fangkong.core.models import ExportJob, User
from fangkong.core.services import exports


def list_rows(job: ExportJob, user: User) -> tuple[list[str], Iterable[Sequence[Any]], int]:
    """The list page at the job's path and query as ``user`` would export it: its
    filters, order, columns and masking, rows within ``user``'s areas."""
    from fangkong.core.views.generic import ObjectListView

    match = resolve(job.path)
    cls = getattr(match.func, "view_class", None)
    if cls is None or not issubclass(cls, ObjectListView):
        raise NotFound(_("This page has no export."))
    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = job.path
    request.GET = QueryDict(job.query)
    request.user = user
    view = cls(**getattr(match.func, "view_initkwargs", {}))
    view.setup(request, *match.args, **match.kwargs)
    if view.permission and not user.can(view.permission):
        raise NotFound(_("Your role does not allow this action."))
    _fs, qs = view.filtered()
    columns = view.get_columns()
    limit = settings.FANGKONG_EXPORT_JOB_MAX_ROWS
    total = min(qs.order_by().count(), limit)
    rows = view.export_rows(qs[:limit], columns, full=job.full)
    return [str(c.label) for c in columns], rows, total


@login_required
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The export's progress (with htmx, the progress block alone) and, when ready, its
    download link and when it expires."""
    job = exports.get_export(request.user, pk)
    ctx = {"title": _("Export"), "job": job}
    template = "core/_export_progress.html" if request.htmx else "core/export_detail.html"
    return render(request, template, ctx)


@login_required
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        job, fileobj = exports.open_download(request.user, pk)
    except Gone as exc:
        return render(request, "core/error.html", {"code": 410, "message": exc.message}, status=410)
    except NotFound as exc:
        raise Http404 from exc
    return FileResponse(fileobj, as_attachment=True, filename=job.filename, content_type=XLSX)
