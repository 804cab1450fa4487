"""/v1/exports: the accounting journal for auditors, as `ledger` or beancount text
(docs/JOURNAL.md)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from solde.api.context import Caller, reader
from solde.api.exact_json import ExactJSONRoute
from solde.api.schemas.invoices import DayParam
from solde.domain.values import check_date
from solde.downloads.journal import journal_file
from solde.exports.journal import JournalFormat

router = APIRouter(prefix="/v1/exports", tags=["exports"], route_class=ExactJSONRoute)

JOURNAL_RESPONSE: dict[int | str, dict[str, object]] = {
    200: {
        "description": "The journal, streamed as a file to save (`Content-Disposition: "
        "attachment`).",
        "content": {"text/plain": {"schema": {"type": "string"}}},
    }
}


@router.get(
    "/journal",
    response_class=StreamingResponse,
    responses=JOURNAL_RESPONSE,
    summary="Export the accounting journal (ledger or beancount)",
)
def export_journal(
    caller: Caller = Depends(reader),
    fmt: JournalFormat = Query(
        JournalFormat.LEDGER,
        alias="format",
        description="`ledger` (ledger-cli, hledger) or `beancount`",
    ),
    to: DayParam | None = Query(
        None, description="The last day of transactions written (default today)"
    ),
    from_: DayParam | None = Query(
        None,
        alias="from",
        description="The first day of transactions written; each customer's balance at the "
        "end of the day before opens the journal (default: from the first transaction)",
    ),
) -> StreamingResponse:
    """Every posted transaction dated through `to` (and from `from`) as one balanced journal
    entry: the customer's receivable account `Assets:Receivable:C000123` against the
    counter-accounts of its type (sales and output tax, the bank account of the payment
    method, goodwill, adjustments). `ledger bal` or beancount reproduces each customer's
    balance at the end of `to` to the cent. Any role may read it."""
    if to is None:
        with caller.uow(write=False) as uow:
            end = caller.today(uow)
    else:
        end = check_date(to, field="to")
    start = None if from_ is None else check_date(from_, field="from")
    download = journal_file(caller.container, fmt, end=end, start=start, actor=caller.actor)
    return StreamingResponse(
        download.chunks,
        media_type=download.media_type,
        headers={"Content-Disposition": f'attachment; filename="{download.filename}"'},
    )
