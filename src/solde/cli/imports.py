"""`solde import`: customers, services, transactions and opening balances from a CSV file
(SPEC §13). Every row is kept or none; `--dry-run` checks everything and keeps nothing.

A file with bad rows prints every fault as `line 7, column amount: ...` on standard error and
exits with status 2; nothing is kept.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from solde.cli.context import business_today, print_json, unit_of_work
from solde.domain.errors import InvalidInput
from solde.imports import MAX_BYTES, ImportKind, ImportRejected, ImportReport, run

app = typer.Typer(
    help="Import customers, services, transactions and opening balances from CSV.",
    no_args_is_help=True,
)

FileArg = Annotated[
    Path,
    typer.Argument(
        help="The CSV file (UTF-8; delimiter , ; or tab; see docs/IMPORTS.md).",
        exists=True,
        dir_okay=False,
        readable=True,
    ),
]
DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="Check every row and report; keep nothing.")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the report as JSON.")]


def _read(path: Path) -> bytes:
    """The file's bytes, read up to one byte past the limit: a device or a pipe that never
    ends (`/dev/zero`) is refused like a file that is too large."""
    try:
        with path.open("rb") as given:
            data = given.read(MAX_BYTES + 1)
    except OSError as exc:
        raise InvalidInput.single("file", "unreadable", f"{path}: {exc.strerror}") from None
    if len(data) > MAX_BYTES:
        raise InvalidInput.single(
            "file",
            "too_large",
            f"{path} is larger than {MAX_BYTES // (1024 * 1024)} MB: split it in parts",
        )
    return data


def import_file(kind: ImportKind, path: Path, dry_run: bool, as_json: bool) -> None:
    """Import one file and print its report; exit status 2 when any row is bad."""
    data = _read(path)
    try:
        with unit_of_work() as uow:
            report = run(uow, kind, data, dry_run=dry_run, on=business_today(uow))
            if report.kept:
                uow.commit()
    except ImportRejected as exc:
        _say(exc.report, as_json)
        raise typer.Exit(2) from None
    _say(report, as_json)


def _say(report: ImportReport, as_json: bool) -> None:
    if as_json:
        print_json(report.as_dict())
        return
    for error in report.errors:
        typer.echo(str(error), err=True)
    if report.error_count > len(report.errors):
        typer.echo(f"... and {report.error_count - len(report.errors)} more errors", err=True)
    counts = (
        f"{report.rows} rows: {report.created} created, {report.updated} updated, "
        f"{report.skipped} skipped"
    )
    if report.error_count:
        noun = "error" if report.error_count == 1 else "errors"
        typer.echo(f"{counts}; {report.error_count} {noun}: nothing imported", err=True)
    elif report.dry_run:
        typer.echo(f"dry run, nothing kept: {counts}")
    else:
        typer.echo(f"imported {report.kind.value}: {counts}")


@app.command("customers")
def customers(file: FileArg, dry_run: DryRunOpt = False, as_json: JsonOpt = False) -> None:
    """Create or update customers keyed by external_ref (identical rows are skipped)."""
    import_file(ImportKind.CUSTOMERS, file, dry_run, as_json)


@app.command("services")
def services(file: FileArg, dry_run: DryRunOpt = False, as_json: JsonOpt = False) -> None:
    """Give customers services keyed by external_ref (keys already there are skipped)."""
    import_file(ImportKind.SERVICES, file, dry_run, as_json)


@app.command("transactions")
def transactions(file: FileArg, dry_run: DryRunOpt = False, as_json: JsonOpt = False) -> None:
    """Lines (unbilled or posted), payments and refunds keyed by external_ref per customer."""
    import_file(ImportKind.TRANSACTIONS, file, dry_run, as_json)


@app.command("balances")
def balances(file: FileArg, dry_run: DryRunOpt = False, as_json: JsonOpt = False) -> None:
    """Opening balances (positive: owes; negative: credit), posted once per customer."""
    import_file(ImportKind.BALANCES, file, dry_run, as_json)
