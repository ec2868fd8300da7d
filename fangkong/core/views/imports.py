"""The pages every background import has: its progress (the whole page, or with htmx the
progress block alone, polled while it runs) and its bad rows as an .xlsx report. An app
names its job look-up, templates and error columns; the upload page stays the app's own."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views import View

from fangkong.core.errors import NotFound
from fangkong.core.export import write_xlsx, xlsx_response
from fangkong.core.views.mixins import PermissionMixin

ERRORS_SHOWN = 200  # on the page; the .xlsx report has them all


class _ImportJobView(PermissionMixin, View):
    def get_job(self, user: Any, pk: Any) -> Any:
        """The job the user may follow; NotFound for any other (set by the app)."""
        raise NotImplementedError

    def job(self, request: HttpRequest, pk: Any) -> Any:
        try:
            return self.get_job(request.user, pk)
        except NotFound as exc:
            raise Http404 from exc


class ImportJobDetailView(_ImportJobView):
    """The import's progress and its first bad rows."""

    title: Any = ""
    template_name = ""
    progress_template_name = ""

    def extra_context(self, request: HttpRequest, job: Any) -> dict[str, Any]:
        return {}

    def get(self, request: HttpRequest, pk: Any) -> HttpResponse:
        job = self.job(request, pk)
        ctx = {
            "title": self.title,
            "job": job,
            "errors": job.row_errors.all()[:ERRORS_SHOWN],
            "errors_shown": ERRORS_SHOWN,
            **self.extra_context(request, job),
        }
        template = self.progress_template_name if request.htmx else self.template_name
        return render(request, template, ctx)


class ImportErrorReportView(_ImportJobView):
    """Every bad row of the import as an .xlsx file."""

    columns: tuple[str, ...] = ("row", "field", "message")
    headers: tuple[str, ...] = ("行号", "列", "原因")
    filename_prefix = "import"

    def get(self, request: HttpRequest, pk: Any) -> HttpResponse:
        job = self.job(request, pk)
        rows = job.row_errors.values_list(*self.columns).iterator(chunk_size=2000)
        fileobj = write_xlsx(list(self.headers), rows, title="错误报告")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return xlsx_response(fileobj, f"{self.filename_prefix}-{job.pk}-errors-{stamp}.xlsx")
