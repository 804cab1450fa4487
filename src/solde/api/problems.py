"""Errors as RFC 9457 problem details (`application/problem+json`), from one table.

Every answer that is not a success has the same shape:

    {"type": "urn:solde:problem:invalid_input", "title": "Invalid input", "status": 422,
     "detail": "billing.billing_day: must be between 1 and 28", "code": "invalid_input",
     "errors": [{"field": "billing.billing_day", "code": "out_of_range", "message": "..."}]}

`type` and `code` are stable; `detail` is for humans. A refused invoice edit
(`not_editable`) adds `editable_fields` (what may still change) and `refused_fields`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from solde.domain.errors import (
    DuplicateValue,
    FieldError,
    InvalidInput,
    NotEditable,
    SoldeError,
)
from solde.statuses import status_of

log = logging.getLogger("solde.api")

PROBLEM_TYPE = "urn:solde:problem:"
MEDIA_TYPE = "application/problem+json"

_HTTP_CODES = {
    400: ("bad_request", "Bad request"),
    401: ("unauthenticated", "Authentication required"),
    403: ("forbidden", "Forbidden"),
    404: ("not_found", "Not found"),
    405: ("method_not_allowed", "Method not allowed"),
    406: ("not_acceptable", "Not acceptable"),
    409: ("conflict", "Conflict"),
    413: ("too_large", "Request too large"),
    415: ("unsupported_media_type", "Unsupported media type"),
    422: ("invalid_input", "Invalid input"),
    429: ("too_many_requests", "Too many requests"),
    503: ("unavailable", "Service unavailable"),
}


def problem(
    status: int,
    code: str,
    title: str,
    detail: str,
    *,
    errors: Iterable[FieldError] = (),
    headers: dict[str, str] | None = None,
    members: dict[str, Any] | None = None,
) -> JSONResponse:
    """A problem+json response (`members` are extension members of the problem)."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    fields = [{"field": e.field, "code": e.code, "message": e.message} for e in errors]
    if fields:
        body["errors"] = fields
    body.update(members or {})
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def from_domain(error: SoldeError) -> JSONResponse:
    """The problem for a domain error."""
    errors: Sequence[FieldError] = ()
    members: dict[str, Any] = {}
    if isinstance(error, NotEditable):
        members = {
            "editable_fields": list(error.editable),
            "refused_fields": list(error.refused),
        }
    elif isinstance(error, InvalidInput):
        errors = error.errors
    elif isinstance(error, DuplicateValue):
        errors = (FieldError(error.field, "duplicate_value", error.message),)
    return problem(
        status_of(error), error.code, error.title, error.message, errors=errors, members=members
    )


def _field_of(location: Sequence[Any]) -> str:
    parts = [str(p) for p in location]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def from_validation(error: RequestValidationError) -> JSONResponse:
    """The problem for input the schema refuses (wrong JSON type, missing field, bad JSON)."""
    errors = []
    for item in error.errors():
        code = str(item.get("type", "invalid"))
        message = str(item.get("msg", "is invalid"))
        if code == "json_invalid":
            errors.append(FieldError("body", "json_invalid", "is not valid JSON"))
            continue
        errors.append(FieldError(_field_of(item.get("loc", ())), code, message))
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors) or "invalid input"
    return problem(422, "invalid_input", "Invalid input", detail, errors=errors)


def install(app: FastAPI, *, allowed_methods: Callable[[str], list[str]]) -> None:
    """Register the handlers that turn every error into a problem; `allowed_methods` gives
    the `Allow` header of a 405 for a path."""

    @app.exception_handler(SoldeError)
    async def _domain(_request: Request, exc: SoldeError) -> JSONResponse:
        return from_domain(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return from_validation(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, title = _HTTP_CODES.get(exc.status_code, ("error", "Error"))
        detail = exc.detail if isinstance(exc.detail, str) else title
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # Starlette names only the first route matching the path; RFC 9110 wants them all.
            headers["Allow"] = ", ".join(allowed_methods(request.url.path))
        return problem(exc.status_code, code, title, detail, headers=headers)

    @app.exception_handler(IntegrityError)
    async def _integrity(_request: Request, exc: IntegrityError) -> JSONResponse:
        log.warning("integrity error answered as a conflict: %s", exc.orig)
        return problem(
            409, "conflict", "Conflict", "the change conflicts with another one; try again"
        )

    @app.exception_handler(DataError)
    async def _data(_request: Request, exc: DataError) -> JSONResponse:
        log.warning("value out of the database's range: %s", exc.orig)
        return problem(
            422,
            "out_of_range",
            "Invalid input",
            "a value, or a total it would make, is beyond what the ledger can store",
        )

    @app.exception_handler(OperationalError)
    async def _operational(_request: Request, exc: OperationalError) -> JSONResponse:
        log.error("database unavailable: %s", exc.orig)
        return problem(
            503,
            "unavailable",
            "Service unavailable",
            "the database is busy or unreachable; try again shortly",
            headers={"Retry-After": "1"},
        )

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return problem(500, "internal_error", "Internal error", "an unexpected error occurred")
