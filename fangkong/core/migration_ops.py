"""Data steps that several apps' migrations share."""

from __future__ import annotations

from typing import Any

from fangkong.core import pii

FINISHED = ("done", "rejected", "failed")


def encrypt_import_files(app_label: str, model_name: str, *, resumes: bool = False) -> Any:
    """A ``RunPython`` step run before an import job's ``content`` becomes an
    ``EncryptedBinaryField``: the files of finished jobs are deleted (a job that resumes
    after a failure keeps a failed job's file), the others encrypted."""

    def forward(apps: Any, schema_editor: Any) -> None:
        model = apps.get_model(app_label, model_name)
        finished = [s for s in FINISHED if not (resumes and s == "failed")]
        model.objects.filter(status__in=finished).update(content=b"")
        waiting = model.objects.exclude(status__in=finished).exclude(content=b"")
        for pk in waiting.values_list("pk", flat=True).iterator():
            plain = bytes(model.objects.values_list("content", flat=True).get(pk=pk))
            if plain and not plain.startswith(f"{pii.PREFIX}:".encode()):
                model.objects.filter(pk=pk).update(content=pii.encrypt_bytes(plain))

    return forward
