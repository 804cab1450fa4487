"""The company's settings: time zone, defaults, the lock date, default billing settings."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from solde.bootstrap import is_timezone
from solde.domain.errors import FieldError, InvalidInput, SoldeError
from solde.ledger import usecases
from solde.ledger.settings import Settings
from solde.statuses import status_of
from solde.storage.unit_of_work import SqlUnitOfWork
from solde.web.context import Viewer, admin, signed_in
from solde.web.customer_form import BILLING_INPUTS, as_typed, billing_value, shown
from solde.web.formatting import Format
from solde.web.forms import Form, checked
from solde.web.render import done, render

router = APIRouter()
TOP = ("timezone", "default_locale", "default_currency")


def _initial(settings: Settings, fmt: Format) -> Form:
    values = {name: str(getattr(settings, name)) for name in TOP}
    values["lock_date"] = settings.lock_date.isoformat() if settings.lock_date else ""
    for item in BILLING_INPUTS:
        values[f"billing.{item.name}"] = as_typed(getattr(settings.billing, item.name), fmt)
    return Form(values)


def _changes(form: Form, current: Form, locale: str) -> tuple[dict[str, Any], list[FieldError]]:
    """Only what differs from the settings as they are, and the fields that could not be read."""
    faults: list[FieldError] = []
    found: dict[str, Any] = {}
    for name in (*TOP, "lock_date"):
        if form.get(name).strip() != current.get(name):
            found[name] = form.text(name)
    billing: dict[str, Any] = {}
    for item in BILLING_INPUTS:
        key = f"billing.{item.name}"
        text = form.get(key).strip()
        if text == current.get(key):
            continue
        try:
            billing[item.name] = billing_value(item, text, locale)
        except InvalidInput as exc:
            faults.extend(exc.errors)
    if billing:
        found["billing"] = billing
    return found, faults


def _page(
    request: Request, viewer: Viewer, uow: SqlUnitOfWork, form: Form, status: int = 200
) -> Response:
    fmt = viewer.format(uow)
    return render(
        request,
        "settings.html",
        viewer=viewer,
        fmt=fmt,
        status=status,
        form=form,
        settings=uow.settings.get(),
        billing_inputs=BILLING_INPUTS,
        shown=shown,
        today=viewer.today(uow),
    )


@router.get("/settings", include_in_schema=False)
def settings_page(request: Request, viewer: Viewer = Depends(signed_in)) -> Response:
    """The settings; an administrator may change them."""
    with viewer.uow() as uow:
        form = _initial(uow.settings.get(), viewer.format(uow))
        return _page(request, viewer, uow, form)


@router.post("/settings", include_in_schema=False)
def save_settings(
    request: Request, posted: tuple[Viewer, dict[str, str]] = Depends(admin)
) -> Response:
    """Save what changed; nothing is saved when anything is wrong."""
    viewer, data = posted
    form = Form.typed(data)
    with viewer.uow(write=True) as uow:
        current = _initial(uow.settings.get(), viewer.format(uow))
        try:
            changes, faults = _changes(form, current, viewer.locale(uow))
            today = viewer.today(uow)
            checked(
                faults,
                lambda: (
                    changes
                    and usecases.update_settings(uow, changes, is_timezone=is_timezone, on=today)
                ),
            )
            if changes:
                uow.commit()
        except SoldeError as exc:
            return _page(request, viewer, uow, form.failed(exc), status=status_of(exc))
    return done(
        request, "Settings saved." if changes else "Nothing changed.", to="/settings", viewer=viewer
    )
