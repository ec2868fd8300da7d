from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View

from fangkong.core.errors import DomainError, NotFound
from fangkong.core.export import write_xlsx, xlsx_response
from fangkong.core.uploads import read_upload
from fangkong.core.views.generic import add_domain_error
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


def _job(request, pk):
    try:
        return imports.get_import_job(request.user, pk)
    except NotFound as exc:
        raise Http404 from exc


class ImportTemplateView(PermissionMixin, View):
    permission = "person.import"

    def get(self, request):
        return xlsx_response(template_workbook(), "persons-template.xlsx")


class ImportDetailView(PermissionMixin, View):
    """The import's progress; with htmx, the progress block alone (polled every second)."""

    permission = "person.import"

    def get(self, request, pk):
        job = _job(request, pk)
        ctx = {"title": _("Import"), "job": job, "errors": job.row_errors.all()[:200]}
        template = "people/_import_progress.html" if request.htmx else "people/import_detail.html"
        return render(request, template, ctx)


class ImportErrorReportView(PermissionMixin, View):
    permission = "person.import"

    def get(self, request, pk):
        job = _job(request, pk)
        rows = job.row_errors.values_list("row", "field", "message").iterator(chunk_size=2000)
        fileobj = write_xlsx(["行号", "列", "原因"], rows, title="错误报告")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return xlsx_response(fileobj, f"import-{job.pk}-errors-{stamp}.xlsx")
