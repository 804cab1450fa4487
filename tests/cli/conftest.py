"""Fixtures of the CLI tests.

`cli` runs the real entry point (`solde.cli.main.run`, the function behind the console script)
in-process, inside typer's CliRunner isolation, with `SOLDE_DATABASE_URL` pointing at the test
database of the `database_url` fixture (SQLite and PostgreSQL). The CLI keeps one container per
process (`solde.cli.context._container`, built from the environment on first use), so the fixture
drops it before and after every test: each test reaches its own database. The click command
that typer builds from the app is built once and reused (as in a long-running process), which
makes an invocation about ten times faster.

`cli.fails(...)` checks what every failing command owes an operator: exit status 1, exactly one
line `error: ...` on stderr, nothing on stdout, no traceback, and not a single row changed in any
table of the database.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
import typer
import typer.main
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from solde.bootstrap import Config, Container
from solde.cli import context, main
from solde.ledger import usecases
from solde.ledger.balance import Balance
from solde.ledger.customers import Customer
from solde.ledger.model import Transaction
from solde.ledger.ports import MAX_PAGE, CustomerQuery, TransactionQuery
from solde.storage.tables import metadata

Snapshot = dict[str, list[tuple[Any, ...]]]


@dataclass(frozen=True)
class Outcome:
    """What one run of `solde` did."""

    code: int
    stdout: str
    stderr: str

    @property
    def last_line(self) -> str:
        """The last non-empty line of standard output."""
        return self.stdout.rstrip("\n").splitlines()[-1]


def snapshot(engine: Engine) -> Snapshot:
    """Every row of every table, in a stable order."""
    found: Snapshot = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            rows = connection.execute(select(table).order_by(*order)).all()
            found[table.name] = [tuple(row) for row in rows]
    return found


_built: dict[int, Any] = {}
_get_command = typer.main.get_command


def _command_built_once(app: typer.Typer) -> Any:
    """typer builds the click command tree from the signatures at every call (~30 ms); a
    process that runs many commands may reuse it: the tree depends on the code alone."""
    if id(app) not in _built:
        _built[id(app)] = (app, _get_command(app))
    return _built[id(app)][1]


def utc_today() -> date:
    """Today in the default business time zone (UTC): the CLI's default date."""
    return datetime.now(UTC).date()


class Cli:
    """Runs `solde ARGS...` in this process and reads the database it wrote."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, container: Container) -> None:
        self._monkeypatch = monkeypatch
        self.container = container
        self._runner = CliRunner()

    def run(self, *args: str) -> Outcome:
        """One invocation through `run()`, as the console script does it."""
        code = 0
        with self._runner.isolation() as (out, err, _both):
            self._monkeypatch.setattr(sys, "argv", ["solde", *args])
            try:
                main.run()
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                stdout = out.getvalue().decode()
                stderr = err.getvalue().decode()
        return Outcome(code, stdout, stderr)

    def ok(self, *args: str) -> Outcome:
        """A run that must succeed."""
        outcome = self.run(*args)
        assert outcome.code == 0, (outcome.stdout, outcome.stderr)
        assert outcome.stderr == ""
        return outcome

    def json(self, *args: str) -> Any:
        """A successful run with `--json`, parsed."""
        return json.loads(self.ok(*args, "--json").stdout)

    def fails(self, *args: str) -> str:
        """A run refused with one `error:` line that changed nothing; returns the message."""
        before = self.snapshot()
        outcome = self.run(*args)
        assert outcome.code == 1, (outcome.stdout, outcome.stderr)
        assert "Traceback" not in outcome.stdout + outcome.stderr
        assert outcome.stdout == ""
        lines = outcome.stderr.splitlines()
        assert len(lines) == 1, outcome.stderr
        assert lines[0].startswith("error: "), outcome.stderr
        assert self.snapshot() == before, "a failed command changed the database"
        return lines[0].removeprefix("error: ")

    def usage_error(self, *args: str) -> str:
        """A command line that typer refuses (exit status 2) before anything runs."""
        before = self.snapshot()
        outcome = self.run(*args)
        assert outcome.code == 2, (outcome.stdout, outcome.stderr)
        assert "Traceback" not in outcome.stdout + outcome.stderr
        assert self.snapshot() == before
        return outcome.stderr

    @staticmethod
    def forget_container() -> None:
        """Drop the container the CLI keeps for the process (the next command builds one)."""
        if context._container is not None:
            context._container.dispose()
        context.set_container(None)

    def snapshot(self) -> Snapshot:
        """Every row of the test database."""
        return snapshot(self.container.engine)

    # -- reading the database through the service layer ---------------------------------------

    def customer(self, customer_id: int) -> Customer:
        with self.container.uow(actor="test", write=False) as uow:
            return usecases.get_customer(uow, customer_id)

    def transaction(self, transaction_id: int) -> Transaction:
        with self.container.uow(actor="test", write=False) as uow:
            return usecases.get_transaction(uow, transaction_id)

    def balance(self, customer_id: int, as_of: date | None = None) -> Balance:
        with self.container.uow(actor="test", write=False) as uow:
            return usecases.get_balance(uow, customer_id, as_of=as_of or utc_today())

    # -- shortcuts for arranging a ledger through the CLI itself ------------------------------

    def new_customer(self, *options: str, name: str = "Acme") -> int:
        """Create a customer; its id."""
        data = self.json("customer", "create", "--name", name, *options)
        return int(data["id"])

    def add_line(self, customer: int | str, *options: str) -> dict[str, Any]:
        """`solde line add` with JSON output."""
        data: dict[str, Any] = self.json("line", "add", str(customer), *options)
        return data

    def post_debit(self, customer: int | str, amount: str, day: str, label: str = "Charge") -> int:
        """A debit posted now (no tax); its id."""
        data = self.add_line(
            customer,
            "--kind", "debit", "--label", label, "--unit-price", amount, "--date", day, "--post",
        )  # fmt: skip
        return int(data["id"])

    def pay(self, customer: int | str, amount: str, *options: str) -> dict[str, Any]:
        """`solde payment record` with JSON output."""
        data: dict[str, Any] = self.json("payment", "record", str(customer), amount, *options)
        return data


@pytest.fixture
def cli(database_url: str, container: Container, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    """`solde` against the empty test database, found through SOLDE_DATABASE_URL."""
    monkeypatch.setenv("SOLDE_DATABASE_URL", database_url)
    monkeypatch.delenv("SOLDE_DEBUG", raising=False)
    monkeypatch.setattr(typer.main, "get_command", _command_built_once)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # typer installs its own hook
    Cli.forget_container()
    yield Cli(monkeypatch, container)
    Cli.forget_container()


# -- a database loaded by `solde demo`, once per backend and module --------------------


@dataclass
class Demo:
    """A database loaded by `solde demo`, read through the service layer."""

    container: Container
    stdout: str
    customers: list[Customer]
    transactions: dict[int, list[Transaction]]

    def by_ref(self, ref: str) -> Customer:
        return next(c for c in self.customers if c.details.external_ref == ref)


def _read_demo(container: Container, stdout: str) -> Demo:
    with container.uow(actor="test", write=False) as uow:
        customers = usecases.list_customers(uow, CustomerQuery(limit=MAX_PAGE)).items
        transactions = {
            c.id: list(
                usecases.list_transactions(
                    uow, TransactionQuery(customer_id=c.id, limit=MAX_PAGE)
                ).items
            )
            for c in customers
        }
    return Demo(container, stdout, list(customers), transactions)


def _fresh_database(request: pytest.FixtureRequest, tmp: Path) -> tuple[str, str | None]:
    """An empty database (no schema) of the backend; the PostgreSQL name to drop after."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp / 'demo.db'}", None
    session_url: str = request.getfixturevalue("pg_url")  # PostgreSQL is reachable
    base, name = session_url.rsplit("/", 1)
    demo_name = f"{name}_cli_demo"
    admin_url = f"{base}/postgres".replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{demo_name}"')
        admin.execute(f'CREATE DATABASE "{demo_name}"')
    return f"{base}/{demo_name}", demo_name


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Demo]:
    """`solde demo` run once per backend on a database that has no schema yet."""
    url, pg_name = _fresh_database(request, tmp_path_factory.mktemp("demo"))
    container = Container(Config(url))
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("SOLDE_DATABASE_URL", url)
        monkeypatch.delenv("SOLDE_DEBUG", raising=False)
        Cli.forget_container()
        try:
            outcome = Cli(monkeypatch, container).ok("demo")
        finally:
            Cli.forget_container()
    yield _read_demo(container, outcome.stdout)
    container.dispose()
    if pg_name is not None:
        base = url.rsplit("/", 1)[0].replace("postgresql+psycopg://", "postgresql://", 1)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
