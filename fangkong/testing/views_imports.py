"""Pages of a lab's results import: its progress (polled with htmx while it runs) and its
bad rows, on the page and as an .xlsx report. The upload itself is on the lab page."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from fangkong.core.errors import NotFound
from fangkong.core.export import write_xlsx, xlsx_response
from fangkong.core.views.mixins import PermissionMixin
from fangkong.testing import selectors

ERRORS_SHOWN = 200  # on the page; the .xlsx report has them all


def _job(request, pk):
    try:
        return selectors.get_result_import(request.user, pk)
    except NotFound as exc:
        raise Http404 from exc


class ResultImportDetailView(PermissionMixin, View):
    """The import's progress; with htmx, the progress block alone (polled every second)."""

    permission = "testing.result_import.view"

    def get(self, request, pk):
        job = _job(request, pk)
        ctx = {
            "title": _("Results import"),
            "job": job,
            "errors": job.row_errors.all()[:ERRORS_SHOWN],
            "errors_shown": ERRORS_SHOWN,
            "lab_page": request.user.can("testing.lab"),
        }
        template = (
            "testing/_result_import_progress.html"
            if request.htmx
            else "testing/result_import_detail.html"
        )
        return render(request, template, ctx)


class ResultImportErrorReportView(PermissionMixin, View):
    permission = "testing.result_import.view"

    def get(self, request, pk):
        job = _job(request, pk)
        rows = job.row_errors.values_list("row", "barcode", "field", "message").iterator(
            chunk_size=2000
        )
        fileobj = write_xlsx(["行号", "管码", "列", "原因"], rows, title="错误报告")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return xlsx_response(fileobj, f"results-import-{job.pk}-errors-{stamp}.xlsx")
