"""Imports in the back office (SPEC §13): upload a CSV file of customers, services,
transactions or opening balances, check it (the default: nothing is kept), read every bad row
with its line, column and message, then import the same file for real.

After a clean check the page keeps the file in the form (base64 in a hidden field), so
"Import this file" sends exactly the bytes that were checked, without choosing the file again;
the import checks every row again and keeps all of them or none. Files of more than
`WEB_MAX_BYTES` go through the API or the command line. Only writers (billing, admin) import.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass, field

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from solde import imports
from solde.domain.errors import NotFound, SoldeError
from solde.imports import ImportKind, ImportRejected, ImportReport
from solde.imports.runner import LAYOUTS
from solde.web.context import READ_ONLY, Forbidden, Viewer, check_csrf, signed_in
from solde.web.forms import Form
from solde.web.render import done, render

router = APIRouter()
#: The largest file the page takes (bigger ones: `solde import` or `POST /v1/imports`).
WEB_MAX_BYTES = 5 * 1024 * 1024
#: What a form may carry besides the file: the file again in base64, and a few short fields.
_MAX_BODY = WEB_MAX_BYTES * 4 // 3 + WEB_MAX_BYTES + 64 * 1024
KIND_LABELS = {
    ImportKind.CUSTOMERS: "Customers",
    ImportKind.SERVICES: "Services",
    ImportKind.TRANSACTIONS: "Transactions (unbilled lines or posted)",
    ImportKind.BALANCES: "Opening balances",
}
TOO_LARGE = (
    f"the file is larger than {WEB_MAX_BYTES // (1024 * 1024)} MB: import it with "
    "`solde import` or the API, or split it"
)


@dataclass(frozen=True, slots=True)
class Columns:
    """The columns of one kind of file, as the page lists them."""

    required: tuple[str, ...]
    one_of: tuple[str, ...]
    optional: tuple[str, ...]


def columns_of(kind: ImportKind) -> Columns:
    """The columns a file of `kind` must have, may have, and of which one must be there."""
    layout = LAYOUTS[kind]
    either = sorted({c for group in layout.alternatives for c in group})
    rest = sorted(set(layout.readers) - set(layout.required) - set(either))
    return Columns(tuple(sorted(layout.required)), tuple(either), tuple(rest))


@dataclass
class Upload:
    """What an import form sent: the kind, whether to check only, the file's bytes and name."""

    form: Form
    data: bytes = b""
    filename: str = ""
    problems: dict[str, str] = field(default_factory=dict)


def _writer(viewer: Viewer) -> None:
    if not viewer.can_write:
        raise Forbidden(READ_ONLY.format(role=viewer.user.role.value))


def _page(
    request: Request,
    viewer: Viewer,
    form: Form,
    *,
    status: int = 200,
    report: ImportReport | None = None,
    upload: Upload | None = None,
) -> Response:
    with viewer.uow() as uow:
        fmt = viewer.format(uow)
    again = None
    if report is not None and report.dry_run and report.error_count == 0 and upload is not None:
        again = {
            "content": base64.b64encode(upload.data).decode("ascii"),
            "filename": upload.filename,
            "digest": hashlib.sha256(upload.data).hexdigest()[:16],
        }
    return render(
        request,
        "imports/page.html",
        viewer=viewer,
        fmt=fmt,
        status=status,
        form=form,
        report=report,
        again=again,
        filename=upload.filename if upload else "",
        kinds=KIND_LABELS,
        columns={kind: columns_of(kind) for kind in KIND_LABELS},
        max_mb=WEB_MAX_BYTES // (1024 * 1024),
    )


@router.get("/imports", include_in_schema=False)
def import_page(request: Request, viewer: Viewer = Depends(signed_in)) -> Response:
    """The import form (check only is ticked) and the columns of each kind of file."""
    _writer(viewer)
    kind = request.query_params.get("kind", "")
    chosen = kind if kind in set(ImportKind) else ImportKind.CUSTOMERS.value
    return _page(request, viewer, Form({"kind": chosen, "dry_run": "true"}))


async def _read(request: Request, viewer: Viewer) -> Upload:
    """The form sent, CSRF and role checked; the file from the upload, else from the hidden
    field of a checked file."""
    length = request.headers.get("content-length", "")
    if not length.isdigit():
        raise HTTPException(411, "The upload must say its length.")
    if int(length) > _MAX_BODY:
        raise HTTPException(413, f"The form is too large: {TOO_LARGE}.")
    kind = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if kind not in ("multipart/form-data", "application/x-www-form-urlencoded"):
        raise HTTPException(415, "Send the import form of this page.")
    async with request.form(max_files=1, max_fields=10, max_part_size=_MAX_BODY) as posted:
        texts = {k: v for k, v in posted.items() if isinstance(v, str)}
        check_csrf(request, viewer, {"csrf_token": texts.get("csrf_token", "")})
        _writer(viewer)
        form = Form(
            {
                "kind": texts.get("kind", "")[:40],
                "dry_run": "true" if texts.get("dry_run") in ("true", "on") else "",
            }
        )
        upload = Upload(form)
        sent = posted.get("file")
        if isinstance(sent, UploadFile) and sent.filename:
            upload.data = await sent.read(WEB_MAX_BYTES + 1)
            upload.filename = (sent.filename or "")[:200]
        elif texts.get("content"):
            try:
                upload.data = base64.b64decode(texts["content"], validate=True)
            except (binascii.Error, ValueError):
                upload.problems["file"] = "the file kept by the page is damaged: choose it again"
            upload.filename = texts.get("filename", "")[:200]
    if not upload.data and "file" not in upload.problems:
        upload.problems["file"] = "choose a CSV file"
    elif len(upload.data) > WEB_MAX_BYTES:
        upload.problems["file"] = TOO_LARGE
    try:
        imports.kind_of(form.get("kind"))
    except NotFound:
        upload.problems["kind"] = "choose what the file holds"
    return upload


@router.post("/imports", include_in_schema=False)
async def import_file(request: Request, viewer: Viewer = Depends(signed_in)) -> Response:
    """Check or import an uploaded file: every row or none; the report lists every bad row."""
    upload = await _read(request, viewer)
    return await run_in_threadpool(_run, request, viewer, upload)


def _run(request: Request, viewer: Viewer, upload: Upload) -> Response:
    form = upload.form
    if upload.problems:
        form.errors.update(upload.problems)
        form.error = "Nothing was imported."
        return _page(request, viewer, form, status=422, upload=upload)
    dry_run = form.get("dry_run") == "true"
    try:
        report = _import(viewer, form.get("kind"), upload.data, dry_run=dry_run)
    except ImportRejected as exc:
        form.error = "Nothing was imported: the file has errors."
        return _page(request, viewer, form, status=422, report=exc.report, upload=upload)
    except SoldeError as exc:
        form.error = f"Nothing was imported: {exc.message}"
        return _page(request, viewer, form, status=422, upload=upload)
    if dry_run:
        return _page(request, viewer, form, report=report, upload=upload)
    return done(request, _summary(report, upload.filename), to="/imports", viewer=viewer)


def _import(viewer: Viewer, kind: str, data: bytes, *, dry_run: bool) -> ImportReport:
    """Run the import in one unit of work, kept only when it is no dry run and every row is
    right."""
    with viewer.uow(write=True) as uow:
        report = imports.run(uow, kind, data, dry_run=dry_run, on=viewer.today(uow))
        if report.kept:
            uow.commit()
    return report


def _summary(report: ImportReport, filename: str) -> str:
    """What an import kept, for the message after it."""
    what = f"{filename} imported" if filename else "Imported"
    return (
        f"{what} ({KIND_LABELS[report.kind].lower()}): {report.rows} rows, "
        f"{report.created} created, {report.updated} updated, {report.skipped} unchanged."
    )
