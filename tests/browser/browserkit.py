"""What the browser tests share: the live server they drive, data made through the use cases,
and the steps a finance user takes (signing in, opening the action panel, tabbing to a field).

The server runs in a thread of the test process over its own SQLite file, so `Live.book`
writes through the same container as the pages read. Amounts are checked as the page writes
them in the user's locale (`€120.00` in en_US, `1 234,50 €` in fr_FR).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from playwright.sync_api import ConsoleMessage, Dialog, Locator, Page, expect

from solde.bootstrap import Container, today
from solde.ledger import usecases
from solde.ledger.model import State, Transaction
from solde.ledger.ports import TransactionQuery
from solde.settlement import usecases as settlement
from solde.storage.api_keys import Role

PASSWORD = "correct horse battery"
#: How many Tab presses may separate two controls before a test gives up looking.
MAX_TABS = 40


class Book:
    """Adds customers, lines and payments through the use cases, dated today in the business
    time zone (as the back office dates them), and reads back what was stored."""

    def __init__(self, container: Container) -> None:
        self.container = container

    def today(self) -> date:
        with self.container.uow(actor="browser-test", write=False) as uow:
            return today(uow.settings.get().timezone)

    def _run(self, action: Any, *args: Any, **kwargs: Any) -> Any:
        with self.container.uow(actor="browser-test") as uow:
            result = action(uow, *args, **kwargs)
            uow.commit()
        return result

    def customer(self, name: str = "Acme SARL", **values: Any) -> int:
        """A new customer (EUR unless said otherwise); its id."""
        return int(self._run(usecases.create_customer, {"name": name, **values}).id)

    def charge(self, customer_id: int, amount: str, label: str = "Charge") -> int:
        """A charge posted now (it changes the balance at once); its id."""
        body = {
            "kind": "debit",
            "type": "charge",
            "label": label,
            "unit_price": amount,
            "bill_on_next_invoice": False,
        }
        return int(self._run(settlement.add_entry, customer_id, body, on=self.today()).id)

    def pay(self, customer_id: int, amount: str, **values: Any) -> int:
        """A payment (confirmed unless `status="pending"`); its id."""
        body = {"amount": amount, **values}
        return int(self._run(settlement.record_payment, customer_id, body, on=self.today()).id)

    def transactions(self, customer_id: int) -> list[Transaction]:
        """Every transaction and line of the customer, in any state."""
        with self.container.uow(actor="browser-test", write=False) as uow:
            page = usecases.list_transactions(
                uow, TransactionQuery(customer_id=customer_id, states=frozenset(), limit=200)
            )
            return list(page.items)

    def states(self, customer_id: int) -> list[State]:
        """The state of each of the customer's transactions, newest first."""
        return [t.state for t in self.transactions(customer_id)]


@dataclass
class Live:
    """A server on 127.0.0.1 over a fresh database, and the book to fill it."""

    url: str
    container: Container
    book: Book = field(init=False)

    def __post_init__(self) -> None:
        self.book = Book(self.container)

    def user(self, role: Role = Role.ADMIN, *, locale: str | None = None) -> str:
        """A new user of `role` (with the shared test password); their e-mail."""
        email = f"{role.value}-{locale or 'default'}@example.com".lower()
        self.container.users.create(email=email, role=role, password=PASSWORD, locale=locale)
        return email


@dataclass
class Watch:
    """What went wrong in the browser during one test."""

    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    csp_violations: list[dict[str, Any]] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def on_dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()


def sign_in(page: Page, live: Live, role: Role = Role.ADMIN, *, locale: str | None = None) -> str:
    """Create a user and sign in through the real form; the page ends on the dashboard."""
    email = live.user(role, locale=locale)
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    return email


def open_customer(page: Page, customer_id: int) -> None:
    """Go to the customer page and wait until its balance card is there."""
    page.goto(f"/customers/{customer_id}")
    expect(page.get_by_test_id("balance")).to_be_visible()


def panel(page: Page, title: str | re.Pattern[str]) -> Locator:
    """The action panel (the modal dialog), once it is open with this title."""
    dialog = page.get_by_role("dialog", name=title)
    expect(dialog).to_be_visible()
    return dialog


def expect_panel_closed(page: Page) -> None:
    """The action panel is closed and empty (the action worked)."""
    expect(page.locator("#panel-dialog")).to_be_hidden()
    expect(page.locator("#panel")).to_be_empty()


def flash_number(page: Page, pattern: str) -> int:
    """The number a flash message names (`Payment #12 recorded.` → 12)."""
    flash = page.locator("#flash .flash")
    expect(flash).to_have_text(re.compile(pattern))
    found = re.search(pattern, flash.inner_text())
    assert found is not None
    return int(found.group(1))


def focused_id(page: Page) -> str:
    """The id of the element that has the keyboard focus ("" if none)."""
    return str(page.evaluate("() => document.activeElement ? document.activeElement.id : ''"))


def focused_text(page: Page) -> str:
    """The visible text of the element that has the keyboard focus."""
    return str(
        page.evaluate(
            "() => document.activeElement ? document.activeElement.textContent.trim() : ''"
        )
    )


def tab_until(page: Page, check: Any, what: str) -> None:
    """Press Tab until `check(page)` is true, as a keyboard user moves through the page."""
    for _ in range(MAX_TABS):
        if check(page):
            return
        page.keyboard.press("Tab")
    assert check(page), f"{what} cannot be reached with the Tab key"
