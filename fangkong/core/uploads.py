"""Uploaded files: read only what may be read."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from fangkong.core.errors import ValidationFailed


def read_upload(upload: Any, *, max_bytes: int, field: str = "file") -> bytes:
    """The upload's bytes, refused (naming ``field``) before reading when it is larger than
    ``max_bytes``: Django has already spooled a large upload to disk, and reading a
    gigabyte into memory to find it too big would take the worker down."""
    if upload is None:
        raise ValidationFailed(_("Choose a file."), field=field)
    if (upload.size or 0) > max_bytes:
        raise ValidationFailed(
            _("The file is larger than %(n)d MB.") % {"n": max_bytes // (1024 * 1024)},
            field=field,
        )
    return upload.read()
