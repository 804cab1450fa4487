"""The published OpenAPI document: every error answer declared as the problem it really is.

FastAPI publishes only the successes and its own validation-error shape. solde answers every
error with `application/problem+json`, so each operation declares those answers with one
`Problem` schema, and the health check declares its 503.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.routing import compile_path

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "An error, as RFC 9457 problem details.",
    "type": "object",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string", "examples": ["urn:solde:problem:invalid_input"]},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string", "examples": ["invalid_input"]},
        "errors": {
            "type": "array",
            "description": "The fields at fault (invalid input only).",
            "items": {
                "type": "object",
                "required": ["field", "code", "message"],
                "properties": {
                    "field": {"type": "string", "examples": ["billing.billing_day"]},
                    "code": {"type": "string", "examples": ["out_of_range"]},
                    "message": {"type": "string"},
                },
            },
        },
        "editable_fields": {
            "type": "array",
            "items": {"type": "string"},
            "description": "`not_editable` only: the fields of the invoice that may still "
            "change in its status.",
        },
        "refused_fields": {
            "type": "array",
            "items": {"type": "string"},
            "description": "`not_editable` only: the fields of the edit that may no longer change.",
        },
    },
}

#: The error answers every authenticated operation may give.
ERRORS = {
    "400": "Unreadable request or bad Idempotency-Key header",
    "401": "Missing, unknown or revoked API key",
    "403": "The key's role does not allow this",
    "404": "Unknown id",
    "409": "Conflict with the object's state or another request",
    "422": "Invalid input: the fields at fault are listed in `errors`",
    "503": "The database is busy or unreachable (retry), or PDFs cannot be made on this server",
}

HEALTH_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["status", "database"],
    "properties": {"status": {"type": "string"}, "database": {"type": "string"}},
}


def _problem_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        },
    }


def build(app: FastAPI) -> dict[str, Any]:
    """The document for `app`, with the problems declared on every operation."""
    document = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["Problem"] = PROBLEM_SCHEMA
    for path, operations in document["paths"].items():
        for operation in operations.values():
            responses = operation["responses"]
            if path == "/health":
                responses["200"]["content"] = {"application/json": {"schema": HEALTH_SCHEMA}}
                responses["503"] = {
                    "description": "The database cannot be reached",
                    "content": {"application/json": {"schema": HEALTH_SCHEMA}},
                }
                continue
            for status, description in ERRORS.items():
                responses[status] = _problem_response(description)
    return document


def install(app: FastAPI) -> None:
    """Publish `build(app)` at the app's OpenAPI URL (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


class AllowedMethods:
    """The methods every operation of the document allows on a path, for `Allow` on a 405."""

    def __init__(self, app: FastAPI) -> None:
        self._app = app
        self._table: list[tuple[re.Pattern[str], frozenset[str]]] | None = None

    def __call__(self, path: str) -> list[str]:
        if self._table is None:
            self._table = [
                (compile_path(template)[0], frozenset(m.upper() for m in operations))
                for template, operations in self._app.openapi()["paths"].items()
            ]
        allowed: set[str] = set()
        for pattern, methods in self._table:
            if pattern.match(path):
                allowed |= methods
        if "GET" in allowed:
            allowed.add("HEAD")
        return sorted(allowed)
