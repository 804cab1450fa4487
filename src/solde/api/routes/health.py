"""Liveness and readiness, without a key."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from solde.api.context import container_of

router = APIRouter(tags=["health"])


@router.get("/health", summary="Is the service up and its database reachable?")
def health(request: Request) -> JSONResponse:
    """200 with `{"status": "ok"}` when the database answers; 503 otherwise."""
    container = container_of(request)
    try:
        with container.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})
