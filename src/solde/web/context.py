"""Who is signed in, what they may do, and the checks every request goes through.

A session is a random token in an HttpOnly, SameSite=Lax cookie (Secure over HTTPS); the
server keeps only its hash and ends it on sign-out, after 4 hours idle or 24 hours. Every
POST carries the session's CSRF token, in the form (`csrf_token`) or, for htmx requests, in
the `X-CSRF-Token` header; a request without the right token changes nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qsl, quote

from fastapi import Depends, HTTPException, Request
from sqlalchemy.exc import SQLAlchemyError

from solde.bootstrap import Container, today
from solde.domain.errors import NotFound
from solde.domain.values import is_possible_id
from solde.storage.unit_of_work import SqlUnitOfWork
from solde.storage.users import Session, User
from solde.web.formatting import Format

SESSION_COOKIE = "solde_session"
READ_ONLY = "Your role ({role}) may look at everything but change nothing."
CSRF_HEADER = "X-CSRF-Token"
#: Most fields and bytes a form may send.
MAX_FIELDS = 200
MAX_BODY = 1_000_000


class SignInRequired(Exception):
    """The request needs a signed-in user; `next` is where to return after signing in."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class Forbidden(Exception):
    """The signed-in user's role does not allow this, or the form's CSRF token is wrong."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in user of one request."""

    user: User
    session: Session
    container: Container

    @property
    def actor(self) -> str:
        """How the audit log names the user."""
        return f"web:{self.user.email}#{self.user.id}"

    @property
    def can_write(self) -> bool:
        """May change finance data (admin, billing)."""
        return self.user.role.can_write

    @property
    def can_administer(self) -> bool:
        """May change settings (admin)."""
        return self.user.role.can_administer

    @property
    def csrf(self) -> str:
        """The token every form of this session carries."""
        return self.session.csrf_token

    @contextmanager
    def uow(self, *, write: bool = False) -> Iterator[SqlUnitOfWork]:
        """A unit of work acting as this user; nothing is kept unless the route commits."""
        with self.container.uow(actor=self.actor, write=write) as uow:
            yield uow

    def locale(self, uow: SqlUnitOfWork) -> str:
        """The user's locale, else the default locale of settings."""
        return self.user.locale or uow.settings.get().default_locale

    def format(self, uow: SqlUnitOfWork) -> Format:
        """Formatting in the user's locale."""
        return Format(self.locale(uow))

    @staticmethod
    def today(uow: SqlUnitOfWork) -> date:
        """Today in the business time zone of settings."""
        return today(uow.settings.get().timezone)


def container_of(request: Request) -> Container:
    """The process's container."""
    container: Container = request.app.state.container
    return container


def is_htmx(request: Request) -> bool:
    """True for a request htmx made (it wants a fragment, not a page)."""
    return request.headers.get("HX-Request") == "true"


def wants_fragment(request: Request, target: str) -> bool:
    """True when htmx asks for the part of a page with id `target` alone."""
    return is_htmx(request) and request.headers.get("HX-Target") == target


def here(request: Request) -> str:
    """The path and query of the request, to come back to after signing in."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def viewer_or_none(request: Request) -> Viewer | None:
    """The signed-in user if there is one (error pages keep their navigation)."""
    try:
        return signed_in(request)
    except (SignInRequired, SQLAlchemyError):
        return None


def signed_in(request: Request) -> Viewer:
    """The signed-in user, or `SignInRequired`."""
    container = container_of(request)
    token = request.cookies.get(SESSION_COOKIE)
    session = container.users.session(token) if token else None
    if session is None:
        raise SignInRequired(_return_path(request))
    return Viewer(session.user, session, container)


async def form_data(request: Request) -> dict[str, str]:
    """The fields of a submitted form (`application/x-www-form-urlencoded`, UTF-8, as every
    browser sends the back office's forms). A body that is not that — another encoding, a file
    upload, more than 200 fields or 1 MB — is refused (4xx) rather than read as something else.
    When a field comes twice, the first one counts."""
    kind = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if kind not in ("application/x-www-form-urlencoded", ""):
        raise HTTPException(415, "The back office accepts only its own forms.")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_BODY:
            raise HTTPException(413, "The form is too large.")
    if body.count(b"&") >= MAX_FIELDS:
        raise HTTPException(413, f"The form has more than {MAX_FIELDS} fields.")
    try:
        pairs = parse_qsl(
            body.decode("ascii"), keep_blank_values=True, encoding="utf-8", errors="strict"
        )
    except UnicodeDecodeError:
        raise HTTPException(400, "The form could not be read as UTF-8 text.") from None
    data: dict[str, str] = {}
    for name, value in pairs:
        data.setdefault(name, value)
    return data


def check_csrf(request: Request, viewer: Viewer, data: dict[str, str]) -> None:
    sent = data.get("csrf_token") or request.headers.get(CSRF_HEADER) or ""
    if not secrets.compare_digest(sent.encode(), viewer.csrf.encode()):
        raise Forbidden(
            "This form has expired or did not come from solde. Reload the page and try again."
        )


class FormFrom:
    """A dependency giving the signed-in user and the fields of a CSRF-checked form, when the
    user's role allows it (`refusal` says why not, or None)."""

    def __init__(self, refusal: Callable[[Viewer], str | None]) -> None:
        self.refusal = refusal

    def __call__(
        self,
        request: Request,
        viewer: Viewer = Depends(signed_in),
        data: dict[str, str] = Depends(form_data),
    ) -> tuple[Viewer, dict[str, str]]:
        check_csrf(request, viewer, data)
        refused = self.refusal(viewer)
        if refused is not None:
            raise Forbidden(refused)
        return viewer, data


#: A form any signed-in user may send (their own preferences).
posted = FormFrom(lambda _viewer: None)
#: A form that changes finance data: billing or admin.
writer = FormFrom(
    lambda viewer: None if viewer.can_write else READ_ONLY.format(role=viewer.user.role.value)
)
#: A form that changes settings: admin only.
admin = FormFrom(
    lambda viewer: None if viewer.can_administer else "Only an administrator may change settings."
)


def object_id(value: int, kind: str) -> int:
    """An id from a path; ids outside the possible range do not exist."""
    if not is_possible_id(value):
        raise NotFound(kind, value)
    return value


def _return_path(request: Request) -> str:
    """Where to come back after signing in: the page itself for a page, the page the user was
    on for an htmx request or a form (a form's address is no page to come back to)."""
    if request.method == "GET" and not is_htmx(request):
        return here(request)
    on_page = request.headers.get("HX-Current-URL") or request.headers.get("Referer") or "/"
    if "://" in on_page:
        on_page = "/" + on_page.split("://", 1)[1].partition("/")[2]
    return safe_next(on_page)


def client_address(request: Request) -> str:
    """The client's address (the proxy's `X-Forwarded-For` when uvicorn trusts the proxy)."""
    return request.client.host if request.client else "unknown"


def safe_next(value: str | None, default: str = "/") -> str:
    """A path on this site to go to next; anything else (another site, `//host`) is refused."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    if any(ord(c) < 32 for c in value):
        return default
    return value


def login_url(next_path: str) -> str:
    """The sign-in page, returning to `next_path`."""
    if next_path in ("", "/"):
        return "/login"
    return "/login?next=" + quote(next_path, safe="/")
