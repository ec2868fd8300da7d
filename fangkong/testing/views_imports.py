"""Pages of a lab's results import: its progress (polled with htmx while it runs) and its
bad rows, on the page and as an .xlsx report. The upload itself is on the lab page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from fangkong.core.views.imports import ImportErrorReportView, ImportJobDetailView
from fangkong.testing import selectors


class ResultImportDetailView(ImportJobDetailView):
    permission = "testing.result_import.view"
    title = _("Results import")
    template_name = "testing/result_import_detail.html"
    progress_template_name = "testing/_result_import_progress.html"

    def get_job(self, user: Any, pk: Any) -> Any:
        return selectors.get_result_import(user, pk)

    def extra_context(self, request: HttpRequest, job: Any) -> dict[str, Any]:
        return {"lab_page": request.user.can("testing.lab")}


class ResultImportErrorReportView(ImportErrorReportView):
    permission = "testing.result_import.view"
    columns = ("row", "barcode", "field", "message")
    headers = ("行号", "管码", "列", "原因")
    filename_prefix = "results-import"

    def get_job(self, user: Any, pk: Any) -> Any:
        return selectors.get_result_import(user, pk)
