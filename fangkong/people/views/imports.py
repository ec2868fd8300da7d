from typing import Any

from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views import View

from fangkong.core.errors import DomainError
from fangkong.core.export import xlsx_response
from fangkong.core.uploads import read_upload
from fangkong.core.views import imports as core_imports
from fangkong.core.views.generic import add_domain_error
from fangkong.core.views.imports import ImportJobDetailView
from fangkong.core.views.mixins import PermissionMixin
from fangkong.people.forms import ImportForm
from fangkong.people.services import imports
from fangkong.people.sheet import template_workbook


class ImportCreateView(PermissionMixin, View):
    permission = "person.import"
    template_name = "people/import_form.html"

    def context(self, form):
        return {
            "title": _("Import persons and households"),
            "form": form,
            "jobs": imports.import_jobs_for(self.request.user)[:10],
        }

    def get(self, request):
        return render(request, self.template_name, self.context(ImportForm()))

    def post(self, request):
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = imports.start_import(
                    by=request.user,
                    filename=upload.name,
                    content=read_upload(upload, max_bytes=imports.MAX_BYTES),
                    mode=form.cleaned_data["mode"],
                )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                return HttpResponseRedirect(job.get_absolute_url())
        return render(request, self.template_name, self.context(form), status=422)


class ImportTemplateView(PermissionMixin, View):
    permission = "person.import"

    def get(self, request):
        return xlsx_response(template_workbook(), "persons-template.xlsx")


class ImportDetailView(ImportJobDetailView):
    permission = "person.import"
    title = _("Import")
    template_name = "people/import_detail.html"
    progress_template_name = "people/_import_progress.html"

    def get_job(self, user: Any, pk: Any) -> Any:
        return imports.get_import_job(user, pk)


class ImportErrorReportView(core_imports.ImportErrorReportView):
    permission = "person.import"

    def get_job(self, user: Any, pk: Any) -> Any:
        return imports.get_import_job(user, pk)
