"""Signing in and out, and the user's own preferences (locale, password)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from solde.domain.errors import InvalidInput, TooManyAttempts
from solde.statuses import status_of
from solde.web.context import (
    SESSION_COOKIE,
    Viewer,
    check_csrf,
    client_address,
    container_of,
    form_data,
    posted,
    safe_next,
    signed_in,
    viewer_or_none,
)
from solde.web.forms import Form
from solde.web.render import done, render

router = APIRouter()
LOGIN_CSRF_COOKIE = "solde_login"
#: Locales offered in the user's preferences (any Babel locale may be set with the CLI).
LOCALES = {
    "en_US": "English (United States)",
    "en_GB": "English (United Kingdom)",
    "fr_FR": "Français (France)",
    "fr_BE": "Français (Belgique)",
    "fr_CH": "Français (Suisse)",
    "de_DE": "Deutsch (Deutschland)",
    "de_CH": "Deutsch (Schweiz)",
    "es_ES": "Español (España)",
    "it_IT": "Italiano (Italia)",
    "nl_NL": "Nederlands (Nederland)",
    "pt_PT": "Português (Portugal)",
}


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _login_token(request: Request) -> str:
    """The sign-in form's token: the one this browser already holds, so that several tabs on
    the sign-in page (as an expired session leaves them) all work; else a new one."""
    held = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if 32 <= len(held) <= 64 and all(c.isalnum() or c in "-_" for c in held):
        return held
    return secrets.token_urlsafe(32)


def _login_page(request: Request, form: Form, *, next_path: str, status: int = 200) -> Response:
    token = _login_token(request)
    response = render(
        request,
        "login.html",
        viewer=None,
        status=status,
        form=form,
        next_path=next_path,
        login_token=token,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        path="/login",
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )
    return response


@router.get("/login", include_in_schema=False)
def login_form(request: Request, next: str = "/") -> Response:
    """The sign-in form; a signed-in user goes straight on."""
    container = container_of(request)
    token = request.cookies.get(SESSION_COOKIE)
    if token and container.users.session(token) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, Form(), next_path=safe_next(next))


@router.post("/login", include_in_schema=False)
def login(request: Request, data: dict[str, str] = Depends(form_data)) -> Response:
    """Check the e-mail and password; start a session. Failures are counted per e-mail and
    per address: too many, and signing in waits."""
    container = container_of(request)
    form = Form({"email": data.get("email", "")[:254]})
    next_path = safe_next(data.get("next"))
    sent = data.get("login_token", "")
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not secrets.compare_digest(sent.encode(), expected.encode()):
        form.error = "The sign-in form expired. Please try again."
        return _login_page(request, form, next_path=next_path, status=403)
    result = container.users.authenticate(
        data.get("email", "")[:254], data.get("password", "")[:1000], ip=client_address(request)
    )
    if result.user is None:
        if result.retry_after is not None:
            minutes = max(1, -(-result.retry_after // 60))
            form.error = f"Too many failed sign-ins. Try again in {minutes} minute(s)."
            return _login_page(request, form, next_path=next_path, status=429)
        form.error = "The e-mail or the password is wrong."
        return _login_page(request, form, next_path=next_path, status=401)
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        container.users.end_session(old)
    secret, session = container.users.start_session(result.user.id)
    response = RedirectResponse(next_path, status_code=303)
    max_age = int((session.expires_at - datetime.now(UTC)).total_seconds())
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=max(60, max_age),
        path="/",
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout", include_in_schema=False)
def logout(request: Request, data: dict[str, str] = Depends(form_data)) -> Response:
    """End the session: its cookie stops working at once, here and in every copy of it. The
    form's token must be the session's; a session that has already ended only loses its
    cookie."""
    viewer = viewer_or_none(request)
    if viewer is not None:
        check_csrf(request, viewer, data)
        viewer.container.users.end_session(request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _account_page(
    request: Request, viewer: Viewer, prefs: Form, password: Form, status: int = 200
) -> Response:
    with viewer.uow() as uow:
        fmt = viewer.format(uow)
        default_locale = uow.settings.get().default_locale
        today = viewer.today(uow)
    return render(
        request,
        "account.html",
        viewer=viewer,
        fmt=fmt,
        status=status,
        prefs=prefs,
        password=password,
        locales=LOCALES,
        default_locale=default_locale,
        today=today,
    )


@router.get("/account", include_in_schema=False)
def account(request: Request, viewer: Viewer = Depends(signed_in)) -> Response:
    """The user's preferences."""
    prefs = Form({"locale": viewer.user.locale or ""})
    return _account_page(request, viewer, prefs, Form())


@router.post("/account/locale", include_in_schema=False)
def set_locale(
    request: Request, posted: tuple[Viewer, dict[str, str]] = Depends(posted)
) -> Response:
    """Choose how amounts and dates are written and read (empty: the company's default)."""
    viewer, data = posted
    prefs = Form.typed(data)
    try:
        viewer.container.users.set_locale(viewer.user.id, prefs.text("locale"))
    except InvalidInput as exc:
        return _account_page(request, viewer, prefs.failed(exc), Form(), status=422)
    return done(request, "Your language and formats are saved.", to="/account", viewer=viewer)


@router.post("/account/password", include_in_schema=False)
def change_password(
    request: Request, posted: tuple[Viewer, dict[str, str]] = Depends(posted)
) -> Response:
    """Change the password; every session ends and the user signs in again."""
    viewer, data = posted
    form = Form()  # passwords are never sent back to the browser
    prefs = Form({"locale": viewer.user.locale or ""})
    if data.get("new_password", "") != data.get("confirm_password", ""):
        form.errors["confirm_password"] = "does not match the new password"  # noqa: S105 (a message)
        form.error = "Some fields need attention."
        return _account_page(request, viewer, prefs, form, status=422)
    try:
        viewer.container.users.change_password(
            viewer.user.id,
            data.get("current_password", ""),
            data.get("new_password", ""),
            ip=client_address(request),
        )
    except (InvalidInput, TooManyAttempts) as exc:
        return _account_page(request, viewer, prefs, form.failed(exc), status=status_of(exc))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
