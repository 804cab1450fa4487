"""`solde export`: lists, statements and the journal as files (SPEC §11, §12).

The commands live in the `export_*` modules, one per kind of export, and register on `app`;
this module holds the group and what every export shares: where the file goes.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import typer

from solde.domain.errors import InvalidInput

app = typer.Typer(
    help="Export lists, statements and the accounting journal as files.", no_args_is_help=True
)

#: The `-o/--output` option every export takes.
Output = Annotated[
    Path | None,
    typer.Option(
        "--output", "-o", help="Write to this file (default: standard output).", dir_okay=False
    ),
]


def write_out(chunks: Iterable[bytes], output: Path | None, *, binary: bool = False) -> int:
    """Write an export's chunks to `output`, or to standard output when none is given; the
    number of bytes written. A file is written under a temporary name and renamed when
    complete, so that a failed export never leaves half a file. A binary file (XLSX, PDF) is
    not written to a terminal."""
    if output is None:
        if binary and sys.stdout.isatty():
            raise InvalidInput.single(
                "output", "required", "a binary file is not printed to a terminal: give -o FILE"
            )
        written = 0
        for chunk in chunks:
            sys.stdout.buffer.write(chunk)
            written += len(chunk)
        sys.stdout.buffer.flush()
        return written
    partial = output.with_name(output.name + ".partial")
    written = 0
    try:
        with partial.open("wb") as out:
            for chunk in chunks:
                out.write(chunk)
                written += len(chunk)
        partial.replace(output)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise InvalidInput.single("output", "unwritable", f"{output}: {exc.strerror}") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return written


# Each module registers its commands on `app`: imported last, once `app` exists.
from solde.cli import (  # noqa: E402, F401
    export_invoices,
    export_journal,
    export_lists,
    export_statement,
)
