"""Domain errors: raised by services, shown to users by views and the API.

Every error carries a message fit to show a user (already translated lazily) and, where
the fault lies in one input, the name of that field.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404


class DomainError(Exception):
    """A request that cannot be carried out as asked. Nothing has been written."""

    status = 400
    code = "invalid"

    def __init__(
        self,
        message: Any,
        *,
        field: str | None = None,
        fields: dict[str, list[Any]] | None = None,
        code: str | None = None,
    ):
        super().__init__(str(message))
        self.message = message
        self.fields: dict[str, list[Any]] = dict(fields or {})
        if field:
            self.fields.setdefault(field, []).append(message)
        if code:
            self.code = code

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": str(self.message),
            "fields": {k: [str(m) for m in v] for k, v in self.fields.items()},
        }


class ValidationFailed(DomainError):
    status = 422
    code = "validation_error"


class PermissionDenied(DomainError):
    status = 403
    code = "permission_denied"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class NotVisible(NotFound, Http404):
    """No such object for this user: another area's and a missing one alike. A page answers
    with its 404 page, the API with the ``not_found`` error."""


class Gone(DomainError):
    """It existed and no longer does (an expired download)."""

    status = 410
    code = "gone"


class Conflict(DomainError):
    """Someone else changed the thing first (a concurrent edit, the last bed taken)."""

    status = 409
    code = "conflict"


class IllegalTransition(Conflict):
    """A state move its machine's table does not allow (``core.states``): a conflict with the
    state the thing is in, named with the state wanted."""

    status = 409
    code = "illegal_transition"


class RateLimited(DomainError):
    """Too many of one action in a short time; ``retry_after`` seconds until it is allowed."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: Any, *, retry_after: int, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after
