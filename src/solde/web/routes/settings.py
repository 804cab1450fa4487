"""The company's settings: time zone, defaults, the lock date, default billing settings,
dunning (working days, holidays, reminders), the numbering of documents and the selling
companies (partners) printed on them, with their logo (uploaded as an image file, kept as a
`data:` URI)."""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from solde.bootstrap import is_timezone
from solde.domain.errors import FieldError, InvalidInput, SoldeError
from solde.ledger import usecases
from solde.ledger.settings import DEFAULT_NUMBERING, LOGO_LENGTH, PARTNER_FIELDS, Settings
from solde.statuses import status_of
from solde.storage.unit_of_work import SqlUnitOfWork
from solde.web import dunning_forms
from solde.web.context import Forbidden, Viewer, admin, check_csrf, signed_in
from solde.web.customer_form import BILLING_INPUTS, as_typed, billing_value, shown
from solde.web.formatting import Format
from solde.web.forms import Form, checked, whole_number
from solde.web.render import done, render

router = APIRouter()
TOP = ("timezone", "default_locale", "default_currency")
NUMBERING = {
    "invoice": "Invoices",
    "credit_note": "Credit notes",
    "proforma": "Proformas",
}
PARTNER_LABELS = {
    "name": "Name",
    "address": "Address",
    "tax_id": "Tax id",
    "email": "E-mail",
    "phone": "Phone",
    "website": "Website",
    "bank_details": "Bank details",
    "payment_instructions": "Payment instructions",
    "footer": "Footer",
}
#: Image files a logo may be, by their first bytes.
LOGO_TYPES = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))


def _initial(settings: Settings, fmt: Format) -> Form:
    values = {name: str(getattr(settings, name)) for name in TOP}
    values["lock_date"] = settings.lock_date.isoformat() if settings.lock_date else ""
    for item in BILLING_INPUTS:
        values[f"billing.{item.name}"] = as_typed(getattr(settings.billing, item.name), fmt)
    values.update(dunning_forms.initial(settings.dunning, fmt))
    for kind in NUMBERING:
        values[f"numbering.{kind}"] = settings.numbering.get(kind) or DEFAULT_NUMBERING[kind]
    for partner_id in _partner_ids(settings):
        partner = settings.partner(partner_id)
        for name in PARTNER_FIELDS:
            values[f"partners.{partner_id}.{name}"] = getattr(partner, name)
    return Form(values)


def _partner_ids(settings: Settings) -> list[int]:
    """The selling companies shown: those set, and partner 1 (every customer's default)."""
    return sorted({1, *settings.partners})


def _document_changes(
    form: Form, current: Form, settings: Settings
) -> tuple[dict[str, Any], dict[str, str]]:
    """Changed numbering formats and partners, and the form key of each partner sent (errors
    name partners by their place in the list sent)."""
    found: dict[str, Any] = {}
    numbering = {
        kind: form.get(f"numbering.{kind}").strip() or None
        for kind in NUMBERING
        if form.get(f"numbering.{kind}").strip() != current.get(f"numbering.{kind}")
    }
    if numbering:
        found["numbering"] = numbering
    partners: list[dict[str, Any]] = []
    keys: dict[str, str] = {}
    for partner_id in _partner_ids(settings):
        key = f"partners.{partner_id}"
        typed = {n: form.get(f"{key}.{n}").strip() for n in PARTNER_FIELDS}
        if any(typed[n] != current.get(f"{key}.{n}") for n in PARTNER_FIELDS):
            keys[f"partners.{len(partners)}."] = f"{key}."
            logo = settings.partner(partner_id).logo
            partners.append({"id": partner_id, **typed, "logo": logo})
    typed_new = {n: form.get(f"partners.new.{n}").strip() for n in PARTNER_FIELDS}
    new_id = form.get("partners.new.id").strip()
    if new_id or any(typed_new.values()):
        keys[f"partners.{len(partners)}."] = "partners.new."
        partner: dict[str, Any] = {n: v for n, v in typed_new.items() if v}
        if new_id:
            partner["id"] = whole_number(new_id)
        partners.append(partner)
    if partners:
        found["partners"] = partners
    return found, keys


def _renamed(exc: InvalidInput, keys: dict[str, str]) -> InvalidInput:
    """Errors on `partners.N.…` named after the partner's inputs."""
    errors = []
    for e in exc.errors:
        name = e.field
        for sent, key in keys.items():
            if name.startswith(sent):
                name = key + name.removeprefix(sent)
                break
        errors.append(FieldError(name, e.code, e.message))
    return InvalidInput(errors)


def _changes(
    form: Form, current: Form, settings: Settings, locale: str
) -> tuple[dict[str, Any], list[FieldError]]:
    """Only what differs from the settings as they are, and the fields that could not be read."""
    found: dict[str, Any] = {}
    dunning, faults = dunning_forms.changes(form, settings.dunning, locale)
    if dunning:
        found["dunning"] = dunning
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
    country = uow.settings.get().dunning.holiday_country
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
        numbering=NUMBERING,
        partner_ids=_partner_ids(uow.settings.get()),
        partner_labels=PARTNER_LABELS,
        logos={p: uow.settings.get().partner(p).logo for p in _partner_ids(uow.settings.get())},
        countries=dunning_forms.country_options(fmt, country),
        subdivision_hint=dunning_forms.subdivision_hint(country),
        fee_example="EUR: "
        + dunning_forms.fee_separator(fmt).join(
            ["0", fmt.plain(Decimal(5), 2), fmt.plain(Decimal(10), 2)]
        ),
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
        settings = uow.settings.get()
        current = _initial(settings, viewer.format(uow))
        try:
            changes, faults = _changes(form, current, settings, viewer.locale(uow))
            more, keys = _document_changes(form, current, settings)
            changes.update(more)
            today = viewer.today(uow)
            try:
                checked(
                    faults,
                    lambda: (
                        changes
                        and usecases.update_settings(
                            uow, changes, is_timezone=is_timezone, on=today
                        )
                    ),
                )
            except InvalidInput as exc:
                sent = changes.get("dunning", {})
                raise dunning_forms.renamed(_renamed(exc, keys), sent) from None
            if changes:
                uow.commit()
        except SoldeError as exc:
            return _page(request, viewer, uow, form.failed(exc), status=status_of(exc))
    return done(
        request, "Settings saved." if changes else "Nothing changed.", to="/settings", viewer=viewer
    )


@router.post("/settings/partners/{partner_id}/logo", include_in_schema=False)
async def upload_logo(
    request: Request, partner_id: int, viewer: Viewer = Depends(signed_in)
) -> Response:
    """Set a selling company's logo from an uploaded PNG or JPEG file (kept as a `data:` URI,
    so a document never fetches anything), or remove it."""
    limit = LOGO_LENGTH * 3 // 4
    length = request.headers.get("content-length", "")
    if not length.isdigit():
        raise HTTPException(411, "The upload must say its length.")
    if int(length) > limit + 10_000:
        raise HTTPException(413, "The logo must be at most 145 kB.")
    async with request.form(max_files=1, max_fields=4, max_part_size=4096) as posted:
        token = posted.get("csrf_token")
        check_csrf(request, viewer, {"csrf_token": token if isinstance(token, str) else ""})
        if not viewer.can_administer:
            raise Forbidden("Only an administrator may change settings.")
        upload = posted.get("logo")
        content = b""
        if isinstance(upload, UploadFile):
            content = await upload.read(limit + 1)
        remove = posted.get("remove") == "1"
    return await run_in_threadpool(_save_logo, request, viewer, partner_id, content, remove)


def _logo_uri(content: bytes) -> str:
    """A logo file as a `data:` URI, or `InvalidInput` for anything but a small PNG or JPEG."""
    if not content:
        raise InvalidInput.single("logo", "required", "choose a PNG or JPEG file")
    kind = next((t for magic, t in LOGO_TYPES if content.startswith(magic)), None)
    if kind is None:
        raise InvalidInput.single("logo", "invalid_logo", "must be a PNG or JPEG image")
    if len(content) > LOGO_LENGTH * 3 // 4 - 100:
        raise InvalidInput.single("logo", "too_large", "must be at most 145 kB")
    return f"data:{kind};base64,{base64.b64encode(content).decode('ascii')}"


def _save_logo(
    request: Request, viewer: Viewer, partner_id: int, content: bytes, remove: bool
) -> Response:
    with viewer.uow(write=True) as uow:
        settings = uow.settings.get()
        try:
            logo = "" if remove else _logo_uri(content)
            partner = {**settings.partner(partner_id).as_dict(), "logo": logo}
            usecases.update_settings(
                uow, {"partners": [partner]}, is_timezone=is_timezone, on=viewer.today(uow)
            )
            uow.commit()
        except InvalidInput as exc:
            form = _initial(settings, viewer.format(uow))
            form.errors[f"logo.{partner_id}"] = exc.errors[0].message if exc.errors else exc.message
            form.error = "The logo was not saved."
            return _page(request, viewer, uow, form, status=422)
    message = "Logo removed." if remove else "Logo saved."
    return done(request, message, to="/settings", viewer=viewer)
