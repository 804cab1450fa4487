"""The accounting journal as a download, for the API and the CLI: every posted transaction
through a day (and from a day, after each customer's opening balance), read from one snapshot
in a read-only unit of work and written as `ledger` or beancount text while it is read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from solde.bootstrap import Container
from solde.domain.errors import InvalidInput
from solde.exports import journal as writer
from solde.exports.journal import JournalFormat


@dataclass(frozen=True, slots=True)
class JournalFile:
    """A journal to download: its file name, content type and content, made while read."""

    filename: str
    media_type: str
    chunks: Iterator[bytes]


def check_period(start: dt.date | None, end: dt.date) -> None:
    """Refuse a period that ends before it starts (naming `from`)."""
    if start is not None and start > end:
        raise InvalidInput.single(
            "from", "after_to", f"must be on or before the end date ({end.isoformat()})"
        )


def journal_file(
    container: Container,
    fmt: JournalFormat,
    *,
    end: dt.date,
    start: dt.date | None = None,
    actor: str,
) -> JournalFile:
    """The journal of the transactions posted through `end` (from `start`, when given, with
    each customer's balance at the end of the day before `start` as an opening entry). Nothing
    is read until the content is iterated; the unit of work closes when it is exhausted or
    closed."""
    check_period(start, end)
    stem = (
        f"journal-{end.isoformat()}"
        if start is None
        else (f"journal-{start.isoformat()}-{end.isoformat()}")
    )
    return JournalFile(
        filename=f"{stem}.{fmt.extension}",
        media_type=fmt.media_type,
        chunks=_chunks(container, fmt, start=start, end=end, actor=actor),
    )


def _chunks(
    container: Container,
    fmt: JournalFormat,
    *,
    start: dt.date | None,
    end: dt.date,
    actor: str,
) -> Iterator[bytes]:
    with container.uow(actor=actor, write=False) as uow:
        uow.journal.snapshot()
        opening_day = None if start is None else start - dt.timedelta(days=1)
        title = f"solde journal of the transactions posted through {end.isoformat()}"
        if start is not None:
            title = f"solde journal from {start.isoformat()} through {end.isoformat()}"
        yield from writer.write(
            fmt,
            uow.journal.entries(start=start, end=end),
            openings=() if opening_day is None else uow.journal.openings(opening_day),
            opening_day=opening_day,
            currencies=uow.journal.currencies(),
            title=title,
        )
