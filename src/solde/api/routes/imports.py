"""/v1/imports: CSV files of customers, services, transactions or opening balances (SPEC §13).

The file is the raw body (`Content-Type: text/csv`) or the `file` field of a multipart form.
Every row is kept or none: any bad row answers 422 with every fault's line and column; a dry
run answers what the import would do and keeps nothing.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from solde.api import problems
from solde.api.context import Caller, writer
from solde.api.exact_json import ExactJSONRoute
from solde.api.schemas.imports import ImportReportOut
from solde.imports import MAX_BYTES, ImportKind, ImportRejected, ImportReport, kind_of, run

router = APIRouter(prefix="/v1/imports", tags=["imports"], route_class=ExactJSONRoute)

_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "text/csv": {"schema": {"type": "string"}},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary"}},
            }
        },
    },
}
_TOO_LARGE = {
    "description": f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB",
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
}


class _TooLarge(Exception):
    pass


async def _file(request: Request) -> bytes:
    """The CSV file: the `file` field of a multipart form, or the raw body."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BYTES + 64 * 1024:
        raise _TooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BYTES + 64 * 1024:
            raise _TooLarge
        chunks.append(chunk)
    body = b"".join(chunks)
    request._body = body  # the form parser below reads the body already received
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        return body
    async with request.form(max_files=1, max_fields=10) as form:  # closes the upload
        upload = form.get("file")
        if isinstance(upload, UploadFile):
            return await upload.read()
        return upload.encode() if isinstance(upload, str) else b""


def _import(caller: Caller, kind: ImportKind, data: bytes, dry_run: bool) -> ImportReport:
    with caller.uow() as uow:
        report = run(uow, kind, data, dry_run=dry_run, on=caller.today(uow))
        if report.kept:
            uow.commit()
    return report


@router.post(
    "/{kind}",
    response_model=ImportReportOut,
    summary="Import a CSV file (customers, services, transactions, balances)",
    openapi_extra={"requestBody": _BODY},
    responses={413: _TOO_LARGE},
)
async def import_file(
    kind: str,
    request: Request,
    dry_run: bool = Query(False, description="Check everything and report; keep nothing."),
    caller: Caller = Depends(writer),
) -> Any:
    """Import the file: every row or none. `kind` is `customers`, `services`, `transactions`
    or `balances` (see docs/IMPORTS.md for the columns). Rows whose `external_ref` is
    already there are skipped, so the same file may be sent again. Any bad row answers 422
    with every fault (its `line`, `column` and message) in `report.errors`, and in `errors`
    as `rows[<line>].<column>`."""
    chosen = kind_of(kind)
    try:
        data = await _file(request)
    except _TooLarge:
        return problems.problem(
            413,
            "too_large",
            "Request too large",
            f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB: split it in parts",
        )
    try:
        report = await run_in_threadpool(_import, caller, chosen, data, dry_run)
    except ImportRejected as exc:
        return _rejected(exc)
    return ImportReportOut.model_validate(report.as_dict())


def _rejected(exc: ImportRejected) -> JSONResponse:
    return problems.problem(
        422,
        exc.code,
        exc.title,
        exc.message,
        errors=exc.errors,
        members={"report": exc.report.as_dict()},
    )
