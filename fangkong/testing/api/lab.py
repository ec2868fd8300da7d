"""Testing API, the lab: results, result imports, publishing."""

from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from fangkong.core.actors import AuthedRequest
from fangkong.core.api import Page
from fangkong.core.errors import ValidationFailed
from fangkong.core.permissions import require
from fangkong.core.uploads import read_upload
from fangkong.testing import selectors, services
from fangkong.testing.api._lookups import ERRORS, _lab
from fangkong.testing.api.schemas import (
    PublishIn,
    PublishOut,
    ResultImportErrorOut,
    ResultImportOut,
    ResultsIn,
    ResultsOut,
)
from fangkong.testing.services import result_imports

router = Router(tags=["testing"])


# --- lab -------------------------------------------------------------------------------------
@router.post("/results", response={200: ResultsOut, **ERRORS})
def post_results(request: AuthedRequest, data: ResultsIn):
    """Results from a lab's system (a lab technician's token): rows of barcode, outcome
    (negative/positive/invalid) and ct; bad rows reported by row number (from 1)."""
    require(request.user, "testing.lab")
    rows = [r.dict() for r in data.results]
    return services.record_results(rows, lab=_lab(request, data.lab_id), by=request.user).as_dict()


@router.post("/results/import", response={202: ResultImportOut, **ERRORS})
def import_results(
    request,
    response: HttpResponse,
    file: UploadedFile = File(...),  # noqa: B008
    lab_id: int | None = None,
):
    """A lab's .xlsx or .csv export (columns barcode, outcome, ct), recorded in the
    background: answers 202 with the import's id and ``status_url`` (also the ``Location``
    header) to follow. A file that cannot be read or lacks a column is refused at once (422,
    field ``file``); bad rows are listed on the import, numbered from the header as row 1."""
    require(request.user, "testing.lab")
    lab = _lab(request, lab_id)
    if lab is None:
        raise ValidationFailed(_("Which lab? You belong to none; give lab_id."), field="lab_id")
    job = services.start_result_import(
        by=request.user,
        lab=lab,
        filename=file.name or "",
        content=read_upload(file, max_bytes=result_imports.MAX_BYTES),
    )
    response["Location"] = reverse("api:testing_result_import", kwargs={"job_id": job.pk})
    return Status(202, job)


@router.get(
    "/results/imports/{job_id}",
    response={200: ResultImportOut, **ERRORS},
    url_name="testing_result_import",
    summary="A results import's progress and bad rows",
)
def get_result_import(request: AuthedRequest, job_id: int):
    """Seen by its uploader, the technicians of its lab and the command centre over the
    lab's area; 404 for anyone else."""
    require(request.user, "testing.result_import.view")
    return selectors.get_result_import(request.user, job_id)


@router.get(
    "/results/imports/{job_id}/errors",
    response=list[ResultImportErrorOut],
    url_name="testing_result_import_errors",
    summary="A results import's bad rows: row number, tube barcode, column and reason",
)
@paginate(Page)
def get_result_import_errors(request: AuthedRequest, job_id: int):
    require(request.user, "testing.result_import.view")
    return selectors.get_result_import(request.user, job_id).row_errors.all()


@router.post("/results/publish", response={200: PublishOut, **ERRORS})
def publish(request: AuthedRequest, data: PublishIn):
    require(request.user, "testing.lab")
    tubes = None
    if data.tubes is not None:
        from fangkong.testing.models import Tube

        tubes = list(Tube.objects.filter(barcode__in=data.tubes))
    n = services.publish_results(tubes, lab=_lab(request, data.lab_id), by=request.user)
    return {"published": n}
