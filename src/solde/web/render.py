"""Pages and fragments from Jinja2 templates, escaped everywhere.

Every template receives the request, the signed-in `viewer`, `fmt` (formatting in the user's
locale), `csrf` (the session's token), `htmx` (a fragment was asked for) and `flash` (the
message of the action just done). Templates show data; they decide nothing.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from solde.web.context import Viewer, is_htmx
from solde.web.formatting import FALLBACK_LOCALE, Format, sign_class

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
FLASH_COOKIE = "solde_flash"
#: The event htmx pages listen to, to refresh what a change may have altered.
CHANGED_EVENT = "solde-changed"


@cache
def static_url(name: str) -> str:
    """The URL of a static file, with a fingerprint of its content so browsers never keep an
    old copy after an upgrade."""
    digest = hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]
    return f"/static/{name}?v={digest}"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["static_url"] = static_url
    env.globals["sign_class"] = sign_class
    return env


ENV = _environment()


def render(
    request: Request,
    template: str,
    *,
    viewer: Viewer | None,
    fmt: Format | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """A page (or, for htmx, the fragment the template renders alone)."""
    flash = unquote(request.cookies.get(FLASH_COOKIE, ""))[:300] or None
    body = ENV.get_template(template).render(
        request=request,
        viewer=viewer,
        fmt=fmt or Format(FALLBACK_LOCALE),
        csrf=viewer.csrf if viewer else "",
        htmx=is_htmx(request),
        flash=flash,
        path=request.url.path,
        **context,
    )
    response = HTMLResponse(body, status_code=status, headers=headers)
    if flash:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def done(request: Request, message: str, *, to: str, viewer: Viewer) -> Response:
    """The answer to a form that worked. A page form is redirected (303) to `to` with a
    message for the next page; an htmx form gets the message, an empty panel, and the event
    that makes the page refresh what changed."""
    if is_htmx(request):
        body = ENV.get_template("_done.html").render(message=message, viewer=viewer)
        return HTMLResponse(body, headers={"HX-Trigger": CHANGED_EVENT})
    response = RedirectResponse(to, status_code=303)
    response.set_cookie(
        FLASH_COOKIE,
        quote(message[:300]),
        max_age=60,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


_TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed",
    409: "Conflict",
    413: "Too large",
    422: "Invalid input",
    429: "Too many requests",
    500: "Something went wrong",
    503: "Unavailable",
}


def error_page(
    request: Request, status: int, message: str, *, viewer: Viewer | None = None
) -> HTMLResponse:
    """A page telling what went wrong, with the given status. For htmx, a fragment: in the
    action panel when the request came from it; otherwise only a message, so that the part
    of the page that asked (a list, the balance card) stays as it was."""
    if is_htmx(request) and request.headers.get("HX-Target") not in (None, "panel"):
        body = ENV.get_template("_failed.html").render(message=message)
        return HTMLResponse(body, status_code=status, headers={"HX-Reswap": "none"})
    return render(
        request,
        "error.html",
        viewer=viewer,
        status=status,
        title=_TITLES.get(status, "Error"),
        message=message,
        code=status,
    )
