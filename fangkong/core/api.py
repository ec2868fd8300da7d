"""The API shell: authentication, the one error format, pagination, strict schemas.

Every error is ``{"error": {"code", "message", "fields"}}`` with the right status.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import PageNumberPagination
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth
from pydantic import ConfigDict, field_validator
from pydantic_core import PydanticCustomError

from fangkong.core import counts
from fangkong.core.errors import DomainError, PermissionDenied, ValidationFailed
from fangkong.core.scoping import scoped
from fangkong.core.services.tokens import user_for_token
from fangkong.core.services.two_factor import owed_by, owed_message
from fangkong.core.text import control_errors


class StrictSchema(Schema):
    """Input schemas refuse unknown fields instead of silently dropping them, and text
    holding a control character (core/text.py), naming the field."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        if errors := control_errors({"value": value}):
            raise PydanticCustomError("control_character", errors["value"][0])
        return value


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


class ErrorOut(Schema):
    error: ErrorBody


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class HeaderToken(APIKeyHeader):
    param_name = "X-API-Token"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = user_for_token(key or "")
        if user is not None:
            request.user = user
        return user


class VerifiedSession(SessionAuth):
    """The browser session, only once it has passed its second factor (where it owes one)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        need = owed_by(request) if user is not None else None
        if need is not None:
            raise PermissionDenied(owed_message(need), code="second_factor_required")
        return user


AUTH = [BearerToken(), HeaderToken(), VerifiedSession()]


class Page(PageNumberPagination):
    class Input(Schema):
        page: int = 1
        page_size: int = 50

    class Output(Schema):
        items: list[Any]
        count: int
        count_capped: bool = Field(
            False,
            description="The search matched more rows than it counts: `count` is the bound "
            "(pages past it can still be read)",
        )

    def paginate_queryset(self, queryset, pagination, request, **params):
        size = max(1, min(int(pagination.page_size), 500))
        # Bounded both ways: a huge page number must not overflow the database's OFFSET.
        page = max(1, min(int(pagination.page), 1_000_000))
        offset = (page - 1) * size
        count, capped = counts.length(queryset)  # a search counts up to its bound
        return {"items": queryset[offset : offset + size], "count": count, "count_capped": capped}


def filter_list(
    request: HttpRequest,
    filterset_class: Any,
    params: Any = None,
    *,
    queryset: Any = None,
    total: Callable[[], int] | None = None,
) -> QuerySet:
    """A list endpoint's rows: ``queryset`` (by default every row of the filter set's model)
    limited to the user's areas, then filtered by the app's filter set (the one its list
    page uses) with ``params`` (the endpoint's query schema or a dict; empty values are no
    filter). A value the filter set refuses, such as another area's id, is a 422 naming the
    field. ``total``: the whole list's length when no filter is set (a ``core.counts``
    count the list page keeps too), given to the pager instead of a COUNT."""
    if params is None:
        data: dict[str, Any] = {}
    elif isinstance(params, dict):
        data = dict(params)
    else:
        data = params.dict()
    data = {k: v for k, v in data.items() if v is not None and v != ""}
    source = queryset if queryset is not None else filterset_class._meta.model
    fs = filterset_class(data, queryset=scoped(source, request.user), request=request)
    if not fs.is_valid():
        fields = {k: [str(m) for m in v] for k, v in fs.errors.items()}
        first = next(iter(fields.values()))[0]
        raise ValidationFailed(first, fields=fields)
    return fs.qs if total is None or data else counts.total(fs.qs, total)


def error_response(api: NinjaAPI, request: HttpRequest, status: int, body: dict) -> HttpResponse:
    return api.create_response(request, {"error": body}, status=status)


def _field_name(loc: list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload", "data")]
    return ".".join(parts) or "body"


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        response = error_response(api, request, exc.status, exc.as_dict())
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:
            response["Retry-After"] = str(retry_after)
        return response

    @api.exception_handler(NinjaValidationError)
    def validation_error(request, exc: NinjaValidationError):
        fields: dict[str, list[str]] = {}
        for err in exc.errors:
            loc = list(err.get("loc", []))
            msg = err.get("msg", "invalid")
            if err.get("type") == "extra_forbidden":
                msg = _("Unknown field.")
            elif err.get("type") == "missing":
                msg = _("This field is required.")
            fields.setdefault(_field_name(loc), []).append(str(msg))
        body = {
            "code": "validation_error",
            "message": _("Some fields are not valid."),
            "fields": fields,
        }
        return error_response(api, request, 422, body)

    @api.exception_handler(OverflowError)
    def out_of_range(request, exc):
        # An id or number beyond what the database stores (SQLite: 64-bit integers) is bad
        # input, not a server fault.
        body = {
            "code": "validation_error",
            "message": _("A number is out of range."),
            "fields": {},
        }
        return error_response(api, request, 422, body)

    @api.exception_handler(AuthenticationError)
    def auth_error(request, exc):
        body = {
            "code": "not_authenticated",
            "message": _("Sign in or send a valid API token."),
            "fields": {},
        }
        return error_response(api, request, 401, body)

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        code = {
            400: "bad_request",
            401: "not_authenticated",
            403: "permission_denied",
            404: "not_found",
            405: "method_not_allowed",
        }.get(exc.status_code, "error")
        message = str(exc)
        if exc.status_code == 400 and "parse" in message.lower():
            message = _("The request body is not valid JSON.")
        if exc.status_code == 403 and "csrf" in message.lower():
            message = _("Missing or wrong CSRF token: reload the page and try again.")
            code = "csrf_failed"
        return error_response(
            api, request, exc.status_code, {"code": code, "message": message, "fields": {}}
        )

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return error_response(
            api, request, 404, {"code": "not_found", "message": _("Not found."), "fields": {}}
        )

    @api.exception_handler(DjangoPermissionDenied)
    def forbidden(request, exc):
        body = {
            "code": "permission_denied",
            "message": _("Your role does not allow this action."),
            "fields": {},
        }
        return error_response(api, request, 403, body)
