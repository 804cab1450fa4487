"""The web back office: server-rendered pages over the same use cases as the API.

Errors become pages (or, for htmx, fragments) from one place; a request never ends in a
traceback. Every answer carries a strict Content-Security-Policy: scripts and styles come only
from this server (htmx is vendored under /static).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from solde.bootstrap import Container
from solde.domain.errors import InvalidInput, NotFound, SoldeError, Unavailable
from solde.web.context import Forbidden, SignInRequired, is_htmx, login_url, viewer_or_none
from solde.web.render import STATIC, error_page
from solde.web.routes import (
    account,
    billing_runs,
    credit_notes,
    customers,
    dashboard,
    dunning,
    imports,
    invoice_groups,
    invoices,
    lists,
    payments,
    services,
    settings,
    statements,
    transactions,
)

log = logging.getLogger("solde.web")

SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        b"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]


#: Pages show finance data: no copy is kept by the browser or a proxy (the back button after
#: signing out shows the sign-in page, not yesterday's balances).
NO_STORE = [(b"cache-control", b"no-store")]


class SecurityHeaders:
    """Adds the security headers to every response of the back office, and `no-store` to
    every response but the static files."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        cache = [] if scope.get("path", "").startswith("/static/") else NO_STORE

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS, *cache]
            await send(message)

        await self.app(scope, receive, sending)


async def _page(request: Request, status: int, message: str) -> Response:
    """The error page, with the navigation of the signed-in user when there is one (not for
    htmx fragments, nor when the server or the database failed)."""
    viewer = None
    if not is_htmx(request) and status < 500:
        viewer = await run_in_threadpool(viewer_or_none, request)
    return error_page(request, status, message, viewer=viewer)


async def _sign_in(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequired)
    target = login_url(exc.next_path)
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


async def _forbidden(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Forbidden)
    return await _page(request, 403, exc.message)


async def _not_found(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, NotFound)
    return await _page(request, 404, f"There is no {exc.kind} {exc.ident}.")


async def _domain(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SoldeError)
    if isinstance(exc, InvalidInput):
        return await _page(request, 422, exc.message)
    return await _page(request, 503 if isinstance(exc, Unavailable) else 409, exc.message)


async def _validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if any(e.get("loc", ("",))[0] == "path" for e in exc.errors()):
        return await _page(request, 404, "This page does not exist.")
    return await _page(request, 400, "The request was malformed.")


async def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    message = {
        404: "This page does not exist.",
        405: "This page cannot be used that way.",
    }.get(exc.status_code, exc.detail if isinstance(exc.detail, str) else "")
    return await _page(request, exc.status_code, message)


async def _integrity(request: Request, exc: Exception) -> Response:
    log.warning("integrity error shown as a conflict: %s", exc)
    return await _page(request, 409, "The change conflicts with another one; try again.")


async def _data(request: Request, exc: Exception) -> Response:
    log.warning("value out of the database's range: %s", exc)
    return await _page(request, 422, "A value, or a total it would make, is too large.")


async def _operational(request: Request, exc: Exception) -> Response:
    log.error("database unavailable: %s", exc)
    return await _page(request, 503, "The database is busy or unreachable; try again shortly.")


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error", exc_info=exc)
    return await _page(request, 500, "An unexpected error occurred; nothing was changed.")


#: Every error a page can meet, and the page it becomes (the most specific class wins).
HANDLERS = (
    (SignInRequired, _sign_in),
    (Forbidden, _forbidden),
    (NotFound, _not_found),
    (SoldeError, _domain),
    (RequestValidationError, _validation),
    (StarletteHTTPException, _http),
    (IntegrityError, _integrity),
    (DataError, _data),
    (OperationalError, _operational),
    (Exception, _unexpected),
)


def create_web_app(container: Container) -> FastAPI:
    """The back office over `container`'s database. Serve it wrapped in `SecurityHeaders`
    (as `solde.server` does): outside the application, so that even the page of an
    unexpected error carries the headers."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.container = container
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for error, handler in HANDLERS:
        app.add_exception_handler(error, handler)
    for module in (
        account,
        dashboard,
        customers,
        transactions,
        payments,
        settings,
        invoices,
        credit_notes,
        invoice_groups,
        services,
        billing_runs,
        dunning,
        lists,
        statements,
        imports,
    ):
        app.include_router(module.router)
    return app
