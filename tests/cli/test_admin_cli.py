"""`solde init`, `demo`, `api-key` and `settings`, in-process on both databases, and the real
console script run as a subprocess on a SQLite file."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from starlette.testclient import TestClient

from solde.api.app import create_app
from solde.bootstrap import Config, Container
from solde.demo import DEMO_EMAIL, DEMO_PASSWORD
from solde.domain.errors import NotFound
from solde.ledger.model import POSTED_STATES, Kind, State, TxType
from solde.ledger.ports import CustomerQuery
from solde.storage.api_keys import Role
from solde.storage.users import User

if TYPE_CHECKING:
    from conftest import Cli, Demo

KEY = re.compile(r"sk_[A-Za-z0-9_-]{20,}")
#: Input checks happen before the database is touched: run them on one backend only.
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


def client_for(container: Container) -> TestClient:
    return TestClient(create_app(container), raise_server_exceptions=False)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


# -- init ------------------------------------------------------------------------------------


def test_init_on_a_migrated_database_keeps_its_data(cli: Cli) -> None:
    customer = cli.new_customer(name="Kept")
    before = cli.snapshot()

    first = cli.ok("init")
    second = cli.ok("init")

    assert first.stdout.startswith("database ready: ")
    assert second.stdout == first.stdout
    assert cli.snapshot() == before
    assert cli.customer(customer).name == "Kept"
    assert cli.container.is_migrated()


def test_the_cli_reads_the_database_from_solde_database_url(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli.new_customer(name="In the test database")
    other = tmp_path / "other.db"
    monkeypatch.setenv("SOLDE_DATABASE_URL", f"sqlite:///{other}")
    cli.forget_container()  # the CLI keeps its container for the life of the process

    cli.ok("init")
    listed = cli.json("customer", "list")

    assert listed == {"data": [], "has_more": False}
    assert other.exists()


# -- api keys --------------------------------------------------------------------------------


def test_api_key_create_prints_the_key_alone_on_the_last_line(cli: Cli) -> None:
    for role in Role:
        outcome = cli.ok("api-key", "create", "--role", role.value, "--name", f"ops {role}")

        secret = outcome.last_line
        assert KEY.fullmatch(secret)
        assert secret not in outcome.stdout.rstrip("\n").splitlines()[0]
        key = cli.container.api_keys.authenticate(secret)
        assert key is not None
        assert (key.name, key.role) == (f"ops {role}", role)


def test_api_keys_have_the_rights_of_their_role(cli: Cli) -> None:
    keys = {
        role: cli.ok("api-key", "create", "--role", role).last_line
        for role in ("admin", "billing", "viewer")
    }
    with client_for(cli.container) as client:

        def create(role: str) -> int:
            response = client.post(
                "/v1/customers", json={"name": f"by {role}"}, headers=bearer(keys[role])
            )
            return response.status_code

        def put_settings(role: str) -> int:
            response = client.put(
                "/v1/settings", json={"timezone": "UTC"}, headers=bearer(keys[role])
            )
            return response.status_code

        assert [create(r) for r in ("admin", "billing", "viewer")] == [201, 201, 403]
        assert [put_settings(r) for r in ("admin", "billing", "viewer")] == [200, 403, 403]
        for role in keys:
            assert client.get("/v1/customers", headers=bearer(keys[role])).status_code == 200


def test_api_key_list_shows_keys_but_never_their_secrets(cli: Cli) -> None:
    first = cli.ok("api-key", "create", "--role", "admin", "--name", "deploy").last_line
    second = cli.ok("api-key", "create", "--role", "viewer").last_line

    listed = cli.json("api-key", "list")
    human = cli.ok("api-key", "list").stdout

    assert [(k["name"], k["role"], k["revoked_at"]) for k in listed] == [
        ("deploy", "admin", None),
        ("viewer key", "viewer", None),
    ]
    assert [k["prefix"] for k in listed] == [first[:10], second[:10]]
    for secret in (first, second):
        assert secret not in human
        assert secret[10:] not in str(listed)
    assert "deploy" in human


def test_a_revoked_key_stops_working_at_once(cli: Cli) -> None:
    kept = cli.ok("api-key", "create", "--role", "admin").last_line
    revoked = cli.ok("api-key", "create", "--role", "admin", "--name", "leaked").last_line
    key_id = cli.container.api_keys.authenticate(revoked).id  # type: ignore[union-attr]

    outcome = cli.ok("api-key", "revoke", str(key_id))

    assert outcome.stdout == f"revoked API key {key_id} (leaked)\n"
    with client_for(cli.container) as client:
        assert client.get("/v1/customers", headers=bearer(revoked)).status_code == 401
        assert client.get("/v1/customers", headers=bearer(kept)).status_code == 200
    listed = {k["name"]: k for k in cli.json("api-key", "list")}
    assert listed["leaked"]["revoked_at"] is not None
    assert listed["admin key"]["revoked_at"] is None


@SQLITE_ONLY
def test_key_timestamps_carry_their_time_zone(cli: Cli) -> None:
    """As every other timestamp solde prints (transactions' created_at), on both databases."""
    secret = cli.ok("api-key", "create", "--role", "viewer").last_line
    key_id = cli.container.api_keys.authenticate(secret).id  # type: ignore[union-attr]
    cli.ok("api-key", "revoke", str(key_id))

    (listed,) = cli.json("api-key", "list")

    for stamp in (listed["created_at"], listed["revoked_at"]):
        moment = datetime.fromisoformat(stamp)
        assert moment.utcoffset() is not None, stamp
        assert abs(datetime.now(UTC) - moment) < timedelta(minutes=10)


@SQLITE_ONLY
def test_revoking_an_unknown_key_is_refused(cli: Cli) -> None:
    cli.ok("api-key", "create", "--role", "admin")
    assert cli.fails("api-key", "revoke", "999") == "API key 999 does not exist"


def test_revoking_a_key_id_beyond_any_possible_id(cli: Cli) -> None:
    big = "99999999999999999999"
    assert cli.fails("api-key", "revoke", big) == f"API key {big} does not exist"


@SQLITE_ONLY
def test_api_key_create_refusals(cli: Cli) -> None:
    message = cli.fails("api-key", "create", "--role", "admin", "--name", "x" * 101)
    assert message.startswith("name: ")
    assert "100" in message
    assert "--role" in cli.usage_error("api-key", "create", "--role", "root")
    assert "--role" in cli.usage_error("api-key", "create", "--name", "x")
    assert cli.container.api_keys.list() == []


# -- settings --------------------------------------------------------------------------------


def test_settings_show_gives_the_defaults_of_the_spec(cli: Cli) -> None:
    shown = cli.json("settings", "show")

    assert shown["lock_date"] is None
    assert shown["default_currency"] == "EUR"
    assert shown["billing"] == {
        "billing_enabled": True,
        "period_months": 1,
        "billing_day": 1,
        "timing": "advance",
        "auto_invoice": True,
        "auto_settlement": True,
        "payment_due_days": 14,
        "credit_limit": "0",
        "blocking_period_days": 0,
        "deactivation_period_days": 30,
        "reminders": True,
        "bill_on_activation": False,
        "proration": "daily",
        "dunning_enabled": True,
    }
    human = cli.ok("settings", "show").stdout
    assert "payment_due_days=14" in human
    assert "timezone: UTC" in human


def test_a_billing_default_set_applies_to_customers_that_inherit_it(cli: Cli) -> None:
    own = cli.new_customer("-b", "payment_due_days=7", name="Own terms")
    inherits = cli.new_customer(name="Default terms")

    outcome = cli.ok("settings", "set", "billing.payment_due_days", "30")

    assert outcome.stdout == "billing.payment_due_days = 30\n"
    assert cli.json("settings", "show")["billing"]["payment_due_days"] == 30
    assert cli.json("customer", "show", str(inherits))["billing"]["payment_due_days"] == 30
    assert cli.json("customer", "show", str(own))["billing"]["payment_due_days"] == 7


SETTINGS = [
    ("timezone", "Europe/Paris", '"Europe/Paris"'),
    ("default_currency", "usd", '"USD"'),
    ("default_locale", "fr_FR", '"fr_FR"'),
    ("lock_date", "2025-01-31", '"2025-01-31"'),
    ("billing.auto_settlement", "false", "false"),
    ("billing.credit_limit", "-20", '"-20"'),
    ("billing.timing", "arrears", '"arrears"'),
]


def test_settings_set_changes_one_setting(cli: Cli, subtests: pytest.Subtests) -> None:
    for name, value, shown in SETTINGS:
        with subtests.test(name):
            outcome = cli.ok("settings", "set", "--", name, value)  # `--`: values may start with -

            assert outcome.stdout == f"{name} = {shown}\n"
            top, _, sub = name.partition(".")
            settings = cli.json("settings", "show")
            stored = settings[top][sub] if sub else settings[top]
            assert json.dumps(stored) == shown


def test_the_lock_date_can_be_cleared(cli: Cli) -> None:
    cli.ok("settings", "set", "lock_date", "2025-01-31")
    outcome = cli.ok("settings", "set", "lock_date", "null")
    assert outcome.stdout == "lock_date = null\n"
    assert cli.json("settings", "show")["lock_date"] is None


BAD_SETTINGS = [
    ("timezone", "Mars/Olympus_Mons", "timezone"),
    ("default_currency", "XYZ", "default_currency"),
    ("default_locale", "french", "default_locale"),
    ("lock_date", "yesterday", "lock_date"),
    ("lock_date", "2025-02-30", "lock_date"),
    ("billing.billing_day", "31", "billing.billing_day"),
    ("billing.billing_day", "0", "billing.billing_day"),
    ("billing.period_months", "2", "billing.period_months"),
    ("billing.period_months", "two", "billing.period_months"),
    ("billing.timing", "sometimes", "billing.timing"),
    ("billing.proration", "weekly", "billing.proration"),
    ("billing.credit_limit", "abc", "billing.credit_limit"),
    ("billing.credit_limit", "12.5", "billing.credit_limit"),
    ("billing.payment_due_days", "-1", "billing.payment_due_days"),
    ("billing.reminders", "perhaps", "billing.reminders"),
    ("billing.colour", "blue", "billing.colour"),
    ("billing", "3", "billing"),
    ("colour", "blue", "colour"),
]


@SQLITE_ONLY
def test_settings_set_refuses_a_bad_value(cli: Cli, subtests: pytest.Subtests) -> None:
    for name, value, field in BAD_SETTINGS:
        with subtests.test(f"{name} {value}"):
            message = cli.fails("settings", "set", "--", name, value)
            assert message.startswith(f"{field}: ")


# -- demo ------------------------------------------------------------------------------------


def _signs_in(container: Container, email: str, password: str) -> User | None:
    return container.users.authenticate(email, password, ip="192.0.2.1").user


def test_demo_leaves_real_books_alone(cli: Cli) -> None:
    """A database with customers and no demo admin is not a demo database (a
    SOLDE_DATABASE_URL left pointing at production): no published password may appear in it."""
    cli.new_customer(name="Real customer")

    message = cli.fails("demo")

    assert "not a demo database" in message
    assert cli.container.users.by_email(DEMO_EMAIL) is None
    assert cli.container.api_keys.list() == []


def test_demo_again_on_a_demo_database_lets_people_in(cli: Cli) -> None:
    cli.ok("demo")
    before = cli.snapshot()

    outcome = cli.ok("demo")

    assert "already has customers" in outcome.stdout
    after = cli.snapshot()
    assert {t: rows for t, rows in after.items() if t != "api_keys"} == {
        t: rows for t, rows in before.items() if t != "api_keys"
    }
    assert f"back office: sign in as {DEMO_EMAIL} / {DEMO_PASSWORD}\n" in outcome.stdout
    user = _signs_in(cli.container, DEMO_EMAIL, DEMO_PASSWORD)
    assert user is not None
    assert user.role is Role.ADMIN
    key = cli.container.api_keys.authenticate(outcome.last_line)
    assert key is not None
    assert key.role is Role.ADMIN


def test_demo_leaves_an_existing_demo_user_as_it_is(cli: Cli) -> None:
    cli.container.users.create(email=DEMO_EMAIL, role=Role.VIEWER, password="changed by its owner")
    before = cli.container.users.list()

    first = cli.ok("demo")
    second = cli.ok("demo")

    assert cli.container.users.list() == before
    assert _signs_in(cli.container, DEMO_EMAIL, DEMO_PASSWORD) is None
    assert _signs_in(cli.container, DEMO_EMAIL, "changed by its owner") is not None
    assert "demo data loaded" in first.stdout
    assert "already has customers" in second.stdout
    assert KEY.fullmatch(first.last_line)
    assert KEY.fullmatch(second.last_line)
    assert first.last_line != second.last_line


def test_demo_prints_the_sign_in_of_its_back_office_admin(demo: Demo) -> None:
    assert f"back office: sign in as {DEMO_EMAIL} / {DEMO_PASSWORD}\n" in demo.stdout
    user = _signs_in(demo.container, DEMO_EMAIL, DEMO_PASSWORD)
    assert user is not None
    assert user.role is Role.ADMIN


def test_demo_prints_a_working_admin_key_on_its_last_line(demo: Demo) -> None:
    secret = demo.stdout.rstrip("\n").splitlines()[-1]
    assert KEY.fullmatch(secret)
    with client_for(demo.container) as client:
        response = client.get("/v1/customers", params={"limit": 100}, headers=bearer(secret))
        assert response.status_code == 200
        assert len(response.json()["data"]) == len(demo.customers)
        settings = client.put("/v1/settings", json={"timezone": "UTC"}, headers=bearer(secret))
        assert settings.status_code == 200  # an admin key


def test_demo_reports_what_it_loaded(demo: Demo) -> None:
    match = re.search(r"(\d+) customers, (\d+) transactions and lines", demo.stdout)
    assert match is not None, demo.stdout
    assert int(match.group(1)) == len(demo.customers)
    assert int(match.group(2)) == sum(len(t) for t in demo.transactions.values())


def test_demo_has_a_few_dozen_customers_in_several_currencies_and_segments(demo: Demo) -> None:
    assert 24 <= len(demo.customers) <= 100
    currencies = {c.currency for c in demo.customers}
    segments = {c.details.segment for c in demo.customers}
    assert 2 <= len(currencies) <= 3
    assert 2 <= len(segments - {None}) <= 3
    for currency in currencies:
        assert sum(c.currency == currency for c in demo.customers) >= 2


def test_demo_has_unbilled_lines_invoices_posted_charges_and_payments(demo: Demo) -> None:
    everything = [t for ts in demo.transactions.values() for t in ts]
    unbilled = [t for t in everything if t.state is State.UNBILLED]
    charges = [t for t in everything if t.type is TxType.CHARGE and t.state in POSTED_STATES]
    invoices = [t for t in everything if t.type is TxType.INVOICE and t.state in POSTED_STATES]
    payments = [t for t in everything if t.type is TxType.PAYMENT and t.state in POSTED_STATES]

    assert {t.kind for t in unbilled} == {Kind.DEBIT, Kind.CREDIT}
    assert charges
    assert len(invoices) >= len(demo.customers)
    assert len(payments) >= len(demo.customers)
    with demo.container.uow(actor="test", write=False) as uow:
        unbilled_cards = sum(uow.balances.get(c.id).unbilled.count for c in demo.customers)
    assert unbilled_cards == len(unbilled)


def test_demo_has_a_payment_awaiting_bank_confirmation(demo: Demo) -> None:
    pending = [t for ts in demo.transactions.values() for t in ts if t.state is State.PENDING]
    assert pending
    payment = pending[0]
    assert payment.type is TxType.PAYMENT
    with demo.container.uow(actor="test", write=False) as uow:
        card = uow.balances.get(payment.customer_id)
    assert card.awaiting_confirmation.amount == -payment.amount.amount
    # not in the balance: the balance is the posted transactions alone
    posted = [t for t in demo.transactions[payment.customer_id] if t.is_posted]
    assert card.balance.amount == sum((t.signed().amount for t in posted), Decimal(0))


def test_demo_has_a_refund_and_a_customer_in_credit(demo: Demo) -> None:
    refunds = [
        t
        for ts in demo.transactions.values()
        for t in ts
        if t.type is TxType.REFUND and t.is_posted
    ]
    assert refunds
    with demo.container.uow(actor="test", write=False) as uow:
        in_credit = [c for c in demo.customers if uow.balances.get(c.id).balance.is_negative()]
    assert in_credit


def test_demo_has_a_customer_with_automatic_settlement_off(demo: Demo) -> None:
    with demo.container.uow(actor="test", write=False) as uow:
        settings = uow.settings.get()
        manual = [c for c in demo.customers if not c.billing_settings(settings).auto_settlement]
    assert manual
    # its debits and credits stay open side by side
    customer = manual[0]
    open_items = [t for t in demo.transactions[customer.id] if t.state is State.OPEN]
    assert {t.kind for t in open_items} == {Kind.DEBIT, Kind.CREDIT}


def test_demo_ledgers_obey_the_invariants(demo: Demo) -> None:
    with demo.container.uow(actor="test", write=False) as uow:
        for customer in demo.customers:
            txs = demo.transactions[customer.id]
            posted = [t for t in txs if t.is_posted]
            zero = Decimal(0)
            balance = uow.balances.get(customer.id).balance.amount
            assert balance == sum((t.signed().amount for t in posted), zero)
            assert balance == sum((t.signed(t.open_amount).amount for t in posted), zero)
            links = uow.allocations.links(customer.id, [t.id for t in posted])
            for t in posted:
                assert zero <= t.open_amount.amount <= t.amount.amount
                allocated = sum((link.amount.amount for link in links.get(t.id, [])), zero)
                assert allocated == t.amount.amount - t.open_amount.amount, t


# -- the console script, end to end ----------------------------------------------------------
#
# `python -m solde.cli.main` runs nothing (the module has no __main__ block): the console script
# `solde` (entry point `solde.cli.main:run`) installed next to the interpreter is the way in.


@dataclass(frozen=True)
class Done:
    code: int
    stdout: str
    stderr: str

    def assert_one_line_error(self, start: str) -> str:
        assert self.code == 1, self
        assert "Traceback" not in self.stdout + self.stderr
        assert self.stdout == ""
        lines = self.stderr.splitlines()
        assert len(lines) == 1, self.stderr
        assert lines[0].startswith(f"error: {start}"), self.stderr
        return lines[0]


def _console_script() -> str:
    found = shutil.which("solde", path=str(Path(sys.executable).parent))
    assert found is not None, "the console script `solde` is not installed next to python"
    return found


def _scripts(*runs: tuple[list[str], dict[str, str]], cwd: Path) -> list[Done]:
    """Run `solde` several times at once (each start costs a second); each run is its
    arguments and the SOLDE_* variables of its environment."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("SOLDE_")}
    started = [
        subprocess.Popen(
            [_console_script(), *args],
            cwd=cwd,
            env={**base, **variables},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for args, variables in runs
    ]
    done = []
    for process in started:
        stdout, stderr = process.communicate(timeout=120)
        done.append(Done(process.returncode, stdout, stderr))
    return done


@pytest.fixture
def migrated_file(sqlite_template: Path, tmp_path: Path) -> str:
    """The URL of a migrated, empty SQLite file."""
    target = tmp_path / "solde.db"
    shutil.copyfile(sqlite_template, target)
    return f"sqlite:///{target}"


def test_script_init_without_a_url_creates_solde_db_in_the_current_directory(
    tmp_path: Path,
) -> None:
    (done,) = _scripts((["init"], {}), cwd=tmp_path)

    assert (done.code, done.stderr) == (0, "")
    assert done.stdout == "database ready: sqlite:///solde.db\n"
    container = Container(Config(f"sqlite:///{tmp_path / 'solde.db'}"))
    try:
        assert container.is_migrated()
    finally:
        container.dispose()


def test_script_api_key_create_prints_a_key_that_authenticates(
    migrated_file: str, tmp_path: Path
) -> None:
    (done,) = _scripts(
        (
            ["api-key", "create", "--role", "admin", "--name", "x"],
            {"SOLDE_DATABASE_URL": migrated_file},
        ),
        cwd=tmp_path,
    )

    assert (done.code, done.stderr) == (0, "")
    secret = done.stdout.rstrip("\n").splitlines()[-1]
    assert KEY.fullmatch(secret)
    container = Container(Config(migrated_file))
    try:
        with client_for(container) as client:
            made = client.post("/v1/customers", json={"name": "Via key"}, headers=bearer(secret))
            assert made.status_code == 201
            assert client.get("/v1/customers", headers=bearer(secret)).status_code == 200
            forged = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
            assert client.get("/v1/customers", headers=bearer(forged)).status_code == 401
        assert [k.name for k in container.api_keys.list()] == ["x"]
    finally:
        container.dispose()


def test_script_bad_input_is_one_line_without_traceback(migrated_file: str, tmp_path: Path) -> None:
    (done,) = _scripts(
        (
            ["customer", "create", "--name", "X", "-b", "billing_day=31"],
            {"SOLDE_DATABASE_URL": migrated_file},
        ),
        cwd=tmp_path,
    )

    done.assert_one_line_error("billing.billing_day: must be between 1 and 28")
    container = Container(Config(migrated_file))
    try:
        with container.uow(actor="test", write=False) as uow:
            assert uow.customers.search(CustomerQuery(limit=5)).items == ()
    finally:
        container.dispose()


# -- how run() reports what is not a business error (in-process) ------------------------------


@SQLITE_ONLY
def test_a_database_that_was_never_initialised_asks_for_solde_init(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOLDE_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    cli.forget_container()

    message = cli.fails("customer", "list")

    assert message.startswith("database error: ")
    assert "solde init" in message


@SQLITE_ONLY
def test_an_unusable_database_url_is_one_line(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOLDE_DATABASE_URL", "not a url")
    cli.forget_container()

    message = cli.fails("customer", "list")

    assert "URL" in message


@SQLITE_ONLY
def test_solde_debug_lets_the_exception_through(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOLDE_DEBUG", "1")
    with pytest.raises(NotFound, match="customer 42 does not exist"):
        cli.run("customer", "show", "42")


@SQLITE_ONLY
def test_a_missing_argument_is_a_usage_error(cli: Cli) -> None:
    stderr = cli.usage_error("payment", "record")
    assert "Missing argument" in stderr
