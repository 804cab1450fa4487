"""How every action of the back office runs: show its form, then submit it.

An action has a *screen* — its template, what it shows besides the form, and where the user
goes back to — and, when submitted, a step that reads the form and calls one use case in a
unit of work. A refused form comes back with its errors and what was typed; nothing is kept
unless the use case succeeded. A page form redirects after success; an htmx form closes its
panel and the page refreshes what changed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from solde.domain.errors import SoldeError
from solde.statuses import status_of
from solde.storage.unit_of_work import SqlUnitOfWork
from solde.web.context import READ_ONLY, Forbidden, Viewer, is_htmx, safe_next
from solde.web.forms import Form, Reader
from solde.web.render import done, render


@dataclass(frozen=True, slots=True)
class Screen:
    """An action's form: the template, what it shows, and where the user goes back to."""

    template: str
    back: str
    context: Mapping[str, Any] = field(default_factory=dict)
    #: Errors of fields the form asks for under another name (`kind` and `type` are one select).
    aliases: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an action did, for the message shown next; `to` overrides where to go."""

    message: str
    to: str | None = None


Load = Callable[[SqlUnitOfWork], Screen]
Act = Callable[[SqlUnitOfWork, Reader, date], Outcome]


def show(
    request: Request,
    viewer: Viewer,
    uow: SqlUnitOfWork,
    screen: Screen,
    form: Form,
    *,
    status: int = 200,
) -> Response:
    """An action's form: a whole page, or the panel's content when htmx asks for it. A viewer
    is told at once that the form is not for them, rather than when sending it."""
    if not viewer.can_write:
        raise Forbidden(READ_ONLY.format(role=viewer.user.role.value))
    next_path = form.values.get("next") or request.query_params.get("next")
    return render(
        request,
        screen.template,
        viewer=viewer,
        fmt=viewer.format(uow),
        status=status,
        form=form,
        panel=is_htmx(request),
        next_path=safe_next(next_path, ""),
        submitted=request.method == "POST",
        **screen.context,
    )


def form_page(
    request: Request,
    viewer: Viewer,
    load: Load,
    initial: Callable[[SqlUnitOfWork, Screen], Form] | None = None,
) -> Response:
    """The form of an action, filled with its initial values."""
    with viewer.uow() as uow:
        screen = load(uow)
        form = initial(uow, screen) if initial else Form()
        return show(request, viewer, uow, screen, form)


def submit(
    request: Request, posted: tuple[Viewer, dict[str, str]], load: Load, act: Act
) -> Response:
    """Run an action on a submitted form: the use case in one unit of work, committed only
    when it succeeds; otherwise the form again, with its errors and what was typed."""
    viewer, data = posted
    form = Form.typed(data)
    with viewer.uow(write=True) as uow:
        screen = load(uow)
        try:
            outcome = act(uow, Reader(form, viewer.locale(uow)), viewer.today(uow))
            uow.commit()
        except SoldeError as exc:
            failed = form.failed(exc, screen.aliases)
            return show(request, viewer, uow, screen, failed, status=status_of(exc))
    to = outcome.to or safe_next(data.get("next"), screen.back)
    return done(request, outcome.message, to=to, viewer=viewer)
