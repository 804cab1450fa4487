"""What every command shares: the container, the actor, today's date, and output."""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from solde.bootstrap import Config, Container, today
from solde.domain.errors import InvalidInput
from solde.domain.values import as_date
from solde.storage.unit_of_work import SqlUnitOfWork

console = Console(highlight=False, soft_wrap=True)
_container: Container | None = None


def container() -> Container:
    """The process's container, built from the environment on first use."""
    global _container
    if _container is None:
        _container = Container(Config.from_env())
    return _container


def set_container(value: Container | None) -> None:
    """Use another container (tests)."""
    global _container
    _container = value


def actor() -> str:
    """How the audit log names an operator at the command line."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"cli:{user}"


@contextmanager
def unit_of_work(*, write: bool = True) -> Iterator[SqlUnitOfWork]:
    """A unit of work on the database of `SOLDE_DATABASE_URL`."""
    with container().uow(actor=actor(), write=write) as uow:
        yield uow


def business_today(uow: SqlUnitOfWork) -> date:
    """Today in the business time zone."""
    return today(uow.settings.get().timezone)


def parse_day(value: str | None, field: str) -> date | None:
    """A date option (YYYY-MM-DD)."""
    return None if value is None else as_date(value, field=field)


def customer_id(uow: SqlUnitOfWork, ref: str) -> int:
    """A customer from its id or its external reference."""
    if ref.isdigit() and len(ref) < 19:
        return int(ref)
    found = uow.customers.id_of_external_ref(ref)
    if found is None:
        raise InvalidInput.single(
            "customer", "not_found", f"no customer with id or external_ref {ref!r}"
        )
    return found


def print_json(data: Any) -> None:
    """Machine-readable output."""
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


def print_table(
    title: str | None,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    right: Sequence[str] = (),
) -> None:
    """A table for people."""
    table = Table(title=title, show_edge=False, header_style="bold")
    for column in columns:
        table.add_column(column, justify="right" if column in right else "left")
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    console.print(table)


def print_fields(data: dict[str, Any], title: str | None = None) -> None:
    """One object as `name: value` lines."""
    if title:
        console.print(f"[bold]{title}[/bold]")
    for key, value in data.items():
        if isinstance(value, dict):
            inner = ", ".join(f"{k}={v}" for k, v in value.items() if v is not None)
            console.print(f"  {key}: {inner}", markup=False)
        elif isinstance(value, list):
            console.print(f"  {key}: {', '.join(str(v) for v in value)}", markup=False)
        else:
            console.print(f"  {key}: {'' if value is None else value}", markup=False)


def key_values(pairs: Sequence[str], field: str) -> dict[str, str]:
    """`KEY=VALUE` options as a dict."""
    result: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise InvalidInput.single(field, "invalid_pair", f"{pair!r} is not KEY=VALUE")
        result[name.strip()] = value.strip()
    return result


#: Typer settings of a command whose arguments may be negative numbers (`-20`): an argument
#: that is not one of the command's options is taken as a value.
NEGATIVE_NUMBERS = {"ignore_unknown_options": True}


def given(**options: object) -> dict[str, object]:
    """The options the operator gave (those left out are None and are dropped)."""
    return {name: value for name, value in options.items() if value is not None}
