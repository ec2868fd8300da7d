"""Optimistic concurrency for edits over the API: a record's ``version`` goes out as an
``ETag`` and comes back in the body's ``version`` or an ``If-Match`` header; the service
refuses a stale one (Conflict), so two editors never overwrite each other silently."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _

from fangkong.core.errors import ValidationFailed


def etag(version: int) -> str:
    return f'"{version}"'


def expected_version(request: HttpRequest, version: int | None) -> int:
    """The version the client read: the body's ``version``, else the ``If-Match`` header
    (``"7"``, ``W/"7"`` or ``7``). Neither, or a header that is not a version, or the two
    disagreeing: ValidationFailed naming ``version``."""
    header = (request.headers.get("If-Match") or "").strip()
    from_header = None
    if header:
        text = header.removeprefix("W/").strip().strip('"')
        if not text.isascii() or not text.isdigit():
            raise ValidationFailed(
                _('If-Match holds the version you read, as the ETag gave it (e.g. "3").'),
                field="version",
            )
        from_header = int(text)
    if version is not None and from_header is not None and version != from_header:
        raise ValidationFailed(
            _("The version in the body and in If-Match differ; send one."), field="version"
        )
    found = version if version is not None else from_header
    if found is None:
        raise ValidationFailed(
            _(
                "Send the version you read (the field version, or an If-Match header with the "
                "ETag): without it a change could overwrite someone else's."
            ),
            field="version",
        )
    return found
