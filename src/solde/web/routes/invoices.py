"""Invoices and proformas: the list with its filters, totals and bulk actions; the invoice page;
create, edit, void, convert, mark as sent, the PDF; and a customer's finance documents."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from math import ceil
from typing import Any
from urllib.parse import parse_qsl, quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from solde import bulk, pdfs
from solde.billing import editing, groups, reading
from solde.billing import usecases as billing
from solde.billing.documents import DocState, DocType, Document
from solde.billing.groups import BulkAction
from solde.billing.ports import InvoiceQuery
from solde.billing.services import Service
from solde.domain.errors import InvalidInput, SoldeError
from solde.downloads import invoices as invoice_download
from solde.exports.tabular import ExportFormat
from solde.ledger import usecases
from solde.storage.unit_of_work import SqlUnitOfWork
from solde.web import invoice_forms as forms
from solde.web.actions import Outcome, Screen, form_page, show, submit
from solde.web.context import Viewer, object_id, safe_next, signed_in, writer
from solde.web.forms import Form, Reader
from solde.web.labels import METHOD_LABELS, TYPE_LABELS
from solde.web.render import done, error_page, render

router = APIRouter()
#: What the templates of this module use to name and colour documents.
NAMES: dict[str, Any] = {
    "doc_types": forms.TYPE_LABELS,
    "doc_statuses": forms.STATUS_LABELS,
    "badge_class": forms.badge_class,
    "type_labels": TYPE_LABELS,
    "methods": METHOD_LABELS,
}


def doc_name(doc: Document) -> str:
    """How a message names a document: `Invoice 2026010000001`."""
    return f"{forms.TYPE_LABELS[doc.type]} {doc.number or '#' + str(doc.id)}"


# -- a customer's finance documents ---------------------------------------------------------


def finance_documents(
    uow: SqlUnitOfWork, customer_id: int, *, as_of: date, limit: int = 10
) -> dict[str, Any]:
    """The customer's latest invoices, proformas and credit notes, each with its status, its
    invoice balance and its links (payments, credit notes, the invoice a note corrects)."""
    query = InvoiceQuery(
        as_of=as_of, customer_id=customer_id, types=frozenset(DocType), limit=limit
    )
    page = reading.list_invoices(uow, query)
    rows = []
    for listed in page.items:
        doc = listed.document
        rows.append(
            {
                "doc": doc,
                "status": listed.status,
                "open": listed.open_amount,
                "payments": reading.links_of(uow, doc) if doc.type.is_invoice else [],
                "notes": [] if doc.is_credit_note else uow.documents.credit_notes_of(doc.id),
                "credit_of": None if doc.credit_of is None else uow.documents.get(doc.credit_of),
            }
        )
    return {
        "finance_rows": rows,
        "finance_more": page.has_more,
        "last_recurring": uow.documents.last_recurring(customer_id),
        **NAMES,
    }


def doc_url(doc: Document) -> str:
    """The page of a document."""
    return f"/credit-notes/{doc.id}" if doc.is_credit_note else f"/invoices/{doc.id}"


# -- the list -------------------------------------------------------------------------------


def list_page(
    request: Request, viewer: Viewer, *, base: str, group_id: int | None = None
) -> Response:
    """The invoices list at `base` (`/invoices`, or a group's page, whose group is fixed)."""
    filters = forms.filters_of(request.query_params)
    page = forms.page_number(filters.get("page"))
    rows: list[dict[str, Any]] = []
    total = 0
    with viewer.uow() as uow:
        fmt = viewer.format(uow)
        today = viewer.today(uow)
        group = None if group_id is None else groups.get_group(uow, object_id(group_id, "group"))
        customer_id = None
        try:
            query = forms.invoice_query(
                filters, viewer.locale(uow), as_of=today, page=page, group_id=group_id
            )
            customer_id = query.customer_id
            found = reading.list_invoices(uow, query)
            total = reading.count_invoices(uow, query)
            rows = _rows(uow, found.items)
        except InvalidInput as exc:
            filters.failed(exc)
        totals = reading.totals(uow, customer_id=customer_id, as_of=today)
        all_groups = groups.list_groups(uow)
    pages = max(1, ceil(total / forms.PAGE_SIZE))
    return render(
        request,
        "invoices/list.html",
        viewer=viewer,
        fmt=fmt,
        base=base,
        group=group,
        groups=all_groups,
        filters=filters,
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        first=(page - 1) * forms.PAGE_SIZE + 1,
        last=min(total, page * forms.PAGE_SIZE),
        page_url=lambda n: forms.list_url(base, filters, page=str(n)),
        query_string=forms.list_url("", filters, page="").lstrip("?"),
        export_url=lambda f: forms.list_url(
            "/invoices/export", filters, page="", format=f, **_fixed_group(group_id)
        ),
        export_formats=list(ExportFormat),
        totals=_totals(totals),
        categories=forms.CATEGORY_LABELS,
        compares=forms.COMPARE_LABELS,
        statuses=[s for s in forms.STATUS_LABELS],
        **NAMES,
    )


def _fixed_group(group_id: int | None) -> dict[str, str]:
    """The group filter of a group's page, which its export carries."""
    return {} if group_id is None else {"group": str(group_id)}


def _rows(uow: SqlUnitOfWork, listed: Any) -> list[dict[str, Any]]:
    customer_ids = sorted({item.document.customer_id for item in listed})
    customers = {cid: usecases.get_customer(uow, cid) for cid in customer_ids}
    balances = uow.balances.get_many(customer_ids)
    return [
        {
            "doc": item.document,
            "status": item.status,
            "open": item.open_amount,
            "customer": customers[item.document.customer_id],
            "account": balances[item.document.customer_id].balance,
        }
        for item in listed
    ]


def _totals(totals: reading.Totals) -> list[dict[str, Any]]:
    """The totals per currency: invoiced by category, paid by method."""
    by_currency: dict[str, dict[str, Any]] = {}
    for line in totals.invoiced:
        entry = by_currency.setdefault(line.currency, {"invoiced": [], "paid": []})
        entry["invoiced"].append(line)
    for paid in totals.paid:
        entry = by_currency.setdefault(paid.currency, {"invoiced": [], "paid": []})
        entry["paid"].append(paid)
    return [{"currency": code, **entry} for code, entry in sorted(by_currency.items())]


@router.get("/invoices", include_in_schema=False)
def invoice_list(request: Request, viewer: Viewer = Depends(signed_in)) -> Response:
    """Invoices, proformas and credit notes, filtered, paged, with the totals."""
    return list_page(request, viewer, base="/invoices")


# -- the list as a file ---------------------------------------------------------------------


def export_format(text: str | None) -> ExportFormat | None:
    """The file format an Export button asks for (csv when none is named)."""
    value = (text or ExportFormat.CSV.value).strip().lower()
    return ExportFormat(value) if value in {f.value for f in ExportFormat} else None


def streamed(chunks: Any, filename: str, fmt: ExportFormat) -> Response:
    """A list's file as a download, sent while it is written."""
    disposition = f"attachment; filename=\"{filename}\"; filename*=UTF-8''{quote(filename)}"
    return StreamingResponse(
        chunks, media_type=fmt.media_type, headers={"Content-Disposition": disposition}
    )


@router.get("/invoices/export", include_in_schema=False)
def invoice_export(request: Request, viewer: Viewer = Depends(signed_in)) -> Response:
    """Every document matching the list's filters as a CSV, JSON or XLSX file (the Export
    buttons of the list). Filters that cannot be read send the user back to the list, which
    names them."""
    filters = forms.filters_of(request.query_params)
    fmt = export_format(request.query_params.get("format"))
    if fmt is None:
        return error_page(request, 422, "Export as csv, json or xlsx.", viewer=viewer)
    with viewer.uow() as uow:
        today = viewer.today(uow)
        try:
            query = forms.invoice_query(filters, viewer.locale(uow), as_of=today)
        except InvalidInput:
            return RedirectResponse(forms.list_url("/invoices", filters), status_code=303)
        invoice_download.check(uow, query)
    chunks = invoice_download.stream(viewer.container, query, fmt, actor=viewer.actor)
    return streamed(chunks, invoice_download.file_name(today, fmt), fmt)


# -- bulk actions ---------------------------------------------------------------------------


@router.post("/invoices/bulk", include_in_schema=False)
def bulk_action(
    request: Request, posted: tuple[Viewer, dict[str, str]] = Depends(writer)
) -> Response:
    """Group, mark as sent, void or download the ticked invoices, or all that match. When
    some are refused, a page lists them with the reason."""
    viewer, data = posted
    base = safe_next(data.get("base"), "/invoices")
    filters = forms.filters_of(dict(parse_qsl(data.get("filters", "")[:2000])))
    back = forms.list_url(base, filters)
    group_id = _group_of(base)
    with viewer.uow() as uow:
        today = viewer.today(uow)
        try:
            ids = _chosen(uow, data, filters, viewer.locale(uow), today, group_id)
        except InvalidInput as exc:
            return done(
                request, f"The filters cannot be read: {exc.message}", to=back, viewer=viewer
            )
    if not ids:
        return done(request, "No invoice was selected.", to=back, viewer=viewer)
    action = data.get("action", "")
    if action == BulkAction.PDF.value:
        made = pdfs.archive(viewer.container, ids, on=today, actor=viewer.actor)
        return download(made.content, "invoices.zip", "application/zip")
    if action == "group":
        return _group(request, viewer, data, ids, back)
    if action not in (BulkAction.MARK_SENT.value, BulkAction.VOID.value):
        return done(request, "Choose what to do with the invoices.", to=back, viewer=viewer)
    result = bulk.run(
        viewer.container,
        actor=viewer.actor,
        action=BulkAction(action),
        document_ids=ids,
        on=today,
        at=datetime.now(UTC),
        reason=(data.get("reason") or "").strip() or None,
    )
    verb = "marked as sent" if action == BulkAction.MARK_SENT.value else "voided"
    if not result.refused:
        return done(request, f"{len(result.done)} invoice(s) {verb}.", to=back, viewer=viewer)
    with viewer.uow() as uow:
        numbers = _numbers(uow, [i for i, _ in result.refused])
        return render(
            request,
            "invoices/bulk.html",
            viewer=viewer,
            fmt=viewer.format(uow),
            message=f"{len(result.done)} invoice(s) {verb}, {len(result.refused)} refused.",
            refused=[(i, numbers.get(i, f"#{i}"), why) for i, why in result.refused],
            back=back,
        )


def _group_of(base: str) -> int | None:
    tail = base.removeprefix("/invoice-groups/")
    return int(tail) if tail != base and tail.isdigit() and len(tail) < 10 else None


def _chosen(
    uow: SqlUnitOfWork,
    data: dict[str, str],
    filters: Form,
    locale: str,
    today: date,
    group_id: int | None,
) -> list[int]:
    if data.get("scope") != "all":
        return forms.selected_ids(data)
    query = forms.invoice_query(filters, locale, as_of=today, group_id=group_id)
    return [item.document.id for item in reading.each_invoice(uow, query)][: groups.MAX_MEMBERS]


def _numbers(uow: SqlUnitOfWork, ids: list[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for doc_id in ids:
        try:
            found[doc_id] = doc_name(billing.get_document(uow, doc_id))
        except SoldeError:
            continue
    return found


def _group(
    request: Request, viewer: Viewer, data: dict[str, str], ids: list[int], back: str
) -> Response:
    chosen = data.get("group_id", "")
    try:
        with viewer.uow(write=True) as uow:
            if chosen in ("", "new"):
                made = groups.create_group(
                    uow, {"name": data.get("group_name", ""), "invoice_ids": ids}
                )
                message = f"Group {made.name} created with {made.count} invoice(s)."
            else:
                group_id = int(chosen) if chosen.isdigit() and len(chosen) < 10 else 0
                group = groups.get_group(uow, object_id(group_id, "group"))
                added = groups.add_to_group(uow, group.id, ids)
                message = f"{added} invoice(s) added to {group.name}."
            uow.commit()
    except InvalidInput as exc:
        message = "Nothing was grouped: " + "; ".join(
            ("name " if e.field == "name" else "") + e.message for e in exc.errors
        )
    return done(request, message, to=back, viewer=viewer)


def download(content: bytes, filename: str, media_type: str) -> Response:
    disposition = f"attachment; filename=\"{filename}\"; filename*=UTF-8''{quote(filename)}"
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})


# -- one invoice ----------------------------------------------------------------------------


def document_context(uow: SqlUnitOfWork, doc: Document, today: date) -> dict[str, Any]:
    """Everything the page of an invoice, proforma or credit note shows."""
    view = reading.describe(uow, doc, as_of=today)
    customer = usecases.get_customer(uow, doc.customer_id)
    return {
        "doc": doc,
        "view": view,
        "customer": customer,
        "can_edit": bool(view.editable) and doc.state is not DocState.DRAFT,
        "can_credit": view.creditable is not None and view.creditable.is_positive(),
        "can_convert": doc.type is DocType.PROFORMA and doc.state is DocState.ISSUED,
        "can_send": doc.sent_at is None and doc.state in (DocState.ISSUED, DocState.CONVERTED),
        "doc_url": doc_url,
        **NAMES,
    }


@router.get("/invoices/{invoice_id}", include_in_schema=False)
def invoice_page(
    request: Request, invoice_id: int, viewer: Viewer = Depends(signed_in)
) -> Response:
    """An invoice or proforma: items, totals, balances, links and what may be done."""
    with viewer.uow() as uow:
        doc = billing.get_document(uow, object_id(invoice_id, "invoice"))
        if doc.is_credit_note:
            return RedirectResponse(f"/credit-notes/{doc.id}", status_code=303)
        context = document_context(uow, doc, viewer.today(uow))
        return render(
            request, "invoices/show.html", viewer=viewer, fmt=viewer.format(uow), **context
        )


@router.get("/invoices/{invoice_id}/pdf", include_in_schema=False)
def invoice_pdf(request: Request, invoice_id: int, viewer: Viewer = Depends(signed_in)) -> Response:
    """The invoice's PDF, with the balances of today."""
    with viewer.uow() as uow:
        billing.get_invoice(uow, object_id(invoice_id, "invoice"))
        today = viewer.today(uow)
    made = pdfs.document_pdf(viewer.container, invoice_id, on=today, actor=viewer.actor)
    return download(made.content, made.filename, "application/pdf")


@router.post("/invoices/{invoice_id}/sent", include_in_schema=False)
def mark_sent(
    request: Request, invoice_id: int, posted: tuple[Viewer, dict[str, str]] = Depends(writer)
) -> Response:
    """Record that the invoice was sent to the customer."""
    viewer, data = posted
    with viewer.uow(write=True) as uow:
        billing.get_invoice(uow, object_id(invoice_id, "invoice"))
        doc = billing.mark_sent(uow, invoice_id, at=datetime.now(UTC))
        uow.commit()
    to = safe_next(data.get("next"), f"/invoices/{invoice_id}")
    return done(request, f"{doc_name(doc)} marked as sent.", to=to, viewer=viewer)


# -- create ---------------------------------------------------------------------------------

INVOICE_TYPES = (
    (DocType.ONE_TIME.value, "One-time invoice"),
    (DocType.RECURRING.value, "Recurring invoice"),
    (DocType.PROFORMA.value, "Proforma (not in the balance)"),
)


def _new_screen(uow: SqlUnitOfWork, customer_id: int, today: date) -> Screen:
    customer = usecases.get_customer(uow, object_id(customer_id, "customer"))
    balance = usecases.get_balance(uow, customer.id, as_of=today)
    context = {
        "customer": customer,
        "unbilled": balance.unbilled,
        "services": sum(1 for s in uow.services.of_customer(customer.id) if _to_bill(s)),
        "invoice_types": INVOICE_TYPES,
    }
    return Screen("invoices/form.html", f"/customers/{customer.id}", context)


def _to_bill(service: Service) -> bool:
    """The service has days a recurring invoice may still bill."""
    end, through = service.end_date, service.billed_through
    return end is None or through is None or through < end


@router.get("/customers/{customer_id}/invoices/new", include_in_schema=False)
def new_invoice_form(
    request: Request, customer_id: int, viewer: Viewer = Depends(signed_in)
) -> Response:
    """The form of a new invoice: typed items, and the unbilled lines if wanted."""

    def initial(uow: SqlUnitOfWork, screen: Screen) -> Form:
        values = {"type": "one_time", "date": viewer.today(uow).isoformat()}
        if screen.context["unbilled"].count:
            values["include_unbilled"] = "on"
        if screen.context["services"]:
            values["include_services"] = "on"
        return _with_rows(Form(values))

    return form_page(
        request, viewer, lambda uow: _new_screen(uow, customer_id, viewer.today(uow)), initial
    )


def _with_rows(form: Form, *, more: bool = False) -> Form:
    form.values["rows"] = str(forms.row_count(form, more=more))
    return form


def _more_rows(
    request: Request, viewer: Viewer, data: dict[str, str], load: Callable[[SqlUnitOfWork], Screen]
) -> Response:
    """The same form with more empty item rows (nothing is saved)."""
    with viewer.uow() as uow:
        form = _with_rows(Form.typed(data), more=True)
        return show(request, viewer, uow, load(uow), form)


@router.post("/customers/{customer_id}/invoices/new", include_in_schema=False)
def create_invoice(
    request: Request, customer_id: int, posted: tuple[Viewer, dict[str, str]] = Depends(writer)
) -> Response:
    """Issue the invoice (or proforma); "More rows" shows the form again with more rows."""
    viewer, data = posted

    def load(uow: SqlUnitOfWork) -> Screen:
        return _new_screen(uow, customer_id, viewer.today(uow))

    if data.get("more_rows"):
        return _more_rows(request, viewer, data, load)
    data["rows"] = str(forms.row_count(Form.typed(data)))

    def act(uow: SqlUnitOfWork, reader: Reader, today: date) -> Outcome:
        rows = forms.read_rows(reader.form, reader.locale, forms.row_count(reader.form))
        reader.text("type", "date", "due_date", "note", "memo", "period_start", "period_end")
        reader.flag("include_unbilled")
        if reader.form.get("type") == DocType.RECURRING.value:  # other types bill no service
            reader.flag("include_services")
        if rows.items:
            reader.set("items", rows.items)
        values = reader.done()
        doc = rows.run(lambda: billing.create_invoice(uow, customer_id, values, on=today))
        return Outcome(f"{doc_name(doc)} issued.", to=f"/invoices/{doc.id}")

    return submit(request, posted, load, act)


# -- edit -----------------------------------------------------------------------------------

EDIT_TEXTS = ("number", "document_date", "due_date", "period_start", "period_end", "note", "memo")


def _edit_screen(uow: SqlUnitOfWork, invoice_id: int, today: date) -> Screen:
    doc = billing.get_invoice(uow, object_id(invoice_id, "invoice"))
    context = document_context(uow, doc, today)
    return Screen("invoices/edit.html", f"/invoices/{doc.id}", context)


def _edit_initial(doc: Document, fmt: Any) -> Form:
    values = {
        "number": doc.number or "",
        "document_date": doc.document_date.isoformat(),
        "due_date": doc.due_date.isoformat(),
        "period_start": doc.period_start.isoformat() if doc.period_start else "",
        "period_end": doc.period_end.isoformat() if doc.period_end else "",
        "note": doc.note or "",
        "memo": doc.memo or "",
    }
    values.update(forms.item_values(tuple(i for i in doc.items if i.is_typed), fmt))
    return _with_rows(Form(values))


@router.get("/invoices/{invoice_id}/edit", include_in_schema=False)
def edit_invoice_form(
    request: Request, invoice_id: int, viewer: Viewer = Depends(signed_in)
) -> Response:
    """The fields of the invoice that may still change."""
    return form_page(
        request,
        viewer,
        lambda uow: _edit_screen(uow, invoice_id, viewer.today(uow)),
        lambda uow, screen: _edit_initial(screen.context["doc"], viewer.format(uow)),
    )


@router.post("/invoices/{invoice_id}/edit", include_in_schema=False)
def update_invoice(
    request: Request, invoice_id: int, posted: tuple[Viewer, dict[str, str]] = Depends(writer)
) -> Response:
    """Save what changed, as far as the invoice's status allows (409 names what may change)."""
    viewer, data = posted

    def load(uow: SqlUnitOfWork) -> Screen:
        return _edit_screen(uow, invoice_id, viewer.today(uow))

    if data.get("more_rows"):
        return _more_rows(request, viewer, data, load)
    data["rows"] = str(forms.row_count(Form.typed(data)))

    def act(uow: SqlUnitOfWork, reader: Reader, today: date) -> Outcome:
        doc = billing.get_invoice(uow, invoice_id)
        form = reader.form
        before = _edit_initial(doc, viewer.format(uow))
        changes: dict[str, Any] = {}
        for name in EDIT_TEXTS:
            if name in form.values and form.get(name).strip() != before.get(name):
                changes[name] = form.text(name)
        count = forms.row_count(form)
        typed = [n for n in form.values if n.startswith("items.")]
        rows = forms.read_rows(form, reader.locale, count)
        names = {*typed, *_item_names(before)}
        if typed and any(form.get(n).strip() != before.get(n) for n in names):
            changes["items"] = rows.items
        if not changes and not rows.faults:
            return Outcome("Nothing changed.", to=f"/invoices/{invoice_id}")
        saved = rows.run(lambda: editing.update_invoice(uow, invoice_id, changes, on=today))
        return Outcome(f"{doc_name(saved)} saved.", to=f"/invoices/{invoice_id}")

    return submit(request, posted, load, act)


def _item_names(form: Form) -> list[str]:
    return [n for n in form.values if n.startswith("items.")]


# -- void, convert, cancel the last recurring invoice ---------------------------------------


def _doc_screen(template: str) -> Callable[[SqlUnitOfWork, int, date], Screen]:
    def load(uow: SqlUnitOfWork, invoice_id: int, today: date) -> Screen:
        doc = billing.get_invoice(uow, object_id(invoice_id, "invoice"))
        return Screen(template, f"/invoices/{doc.id}", document_context(uow, doc, today))

    return load


_void_screen = _doc_screen("invoices/void.html")
_convert_screen = _doc_screen("invoices/convert.html")


@router.get("/invoices/{invoice_id}/void", include_in_schema=False)
def void_form(request: Request, invoice_id: int, viewer: Viewer = Depends(signed_in)) -> Response:
    """Void an invoice with nothing settled on it (the page says why when it cannot be)."""
    return form_page(
        request,
        viewer,
        lambda uow: _void_screen(uow, invoice_id, viewer.today(uow)),
        lambda uow, _s: Form({"date": viewer.today(uow).isoformat()}),
    )


@router.post("/invoices/{invoice_id}/void", include_in_schema=False)
def void_invoice(
    request: Request, invoice_id: int, posted: tuple[Viewer, dict[str, str]] = Depends(writer)
) -> Response:
    """Void it: its transaction is reversed, its lines wait for the next invoice again."""
    viewer = posted[0]

    def act(uow: SqlUnitOfWork, reader: Reader, today: date) -> Outcome:
        reader.text("reason", "date")
        doc = reader.run(lambda v: billing.void_invoice(uow, invoice_id, v, on=today))
        return Outcome(f"{doc_name(doc)} voided.", to=f"/invoices/{invoice_id}")

    return submit(
        request, posted, lambda uow: _void_screen(uow, invoice_id, viewer.today(uow)), act
    )


@router.get("/invoices/{invoice_id}/convert", include_in_schema=False)
def convert_form(
    request: Request, invoice_id: int, viewer: Viewer = Depends(signed_in)
) -> Response:
    """Turn a proforma into an invoice."""
    return form_page(
        request,
        viewer,
        lambda uow: _convert_screen(uow, invoice_id, viewer.today(uow)),
        lambda uow, _s: Form({"date": viewer.today(uow).isoformat()}),
    )


@router.post("/invoices/{invoice_id}/convert", include_in_schema=False)
def convert_proforma(
    request: Request, invoice_id: int, posted: tuple[Viewer, dict[str, str]] = Depends(writer)
) -> Response:
    """Issue the invoice of a proforma; the proforma is kept, converted."""
    viewer = posted[0]

    def act(uow: SqlUnitOfWork, reader: Reader, today: date) -> Outcome:
        reader.text("date", "due_date")
        made = reader.run(lambda v: billing.convert_proforma(uow, invoice_id, v, on=today))
        return Outcome(f"{doc_name(made)} issued from the proforma.", to=f"/invoices/{made.id}")

    return submit(
        request, posted, lambda uow: _convert_screen(uow, invoice_id, viewer.today(uow)), act
    )


def _cancel_screen(uow: SqlUnitOfWork, customer_id: int) -> Screen:
    customer = usecases.get_customer(uow, object_id(customer_id, "customer"))
    context = {"customer": customer, "last": uow.documents.last_recurring(customer.id), **NAMES}
    return Screen("invoices/cancel_recurring.html", f"/customers/{customer.id}", context)


@router.get("/customers/{customer_id}/invoices/cancel-recurring", include_in_schema=False)
def cancel_recurring_form(
    request: Request, customer_id: int, viewer: Viewer = Depends(signed_in)
) -> Response:
    """Void the customer's latest recurring invoice so its period can be billed again."""
    return form_page(
        request,
        viewer,
        lambda uow: _cancel_screen(uow, customer_id),
        lambda uow, _s: Form({"date": viewer.today(uow).isoformat()}),
    )


@router.post("/customers/{customer_id}/invoices/cancel-recurring", include_in_schema=False)
def cancel_recurring(
    request: Request, customer_id: int, posted: tuple[Viewer, dict[str, str]] = Depends(writer)
) -> Response:
    """Cancel the last recurring invoice, when nothing is settled on it."""

    def act(uow: SqlUnitOfWork, reader: Reader, today: date) -> Outcome:
        reader.text("reason", "date")
        doc = reader.run(lambda v: billing.cancel_last_recurring(uow, customer_id, v, on=today))
        return Outcome(f"{doc_name(doc)} cancelled.")

    return submit(request, posted, lambda uow: _cancel_screen(uow, customer_id), act)
