"""What the back-office tests share: a client of the whole server (API and pages) in-process.

`web` is a browser-like client (it keeps cookies) signed in as an admin; `web.as_role(...)`
gives clients signed in with other roles. `web.post(...)` sends a form with the session's
CSRF token, as the pages' forms do. `web.book` adds data through the use cases, dated today in
the business time zone, as the back office itself does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from starlette.testclient import TestClient

from solde.bootstrap import Container, today
from solde.ledger import usecases
from solde.ledger.customers import Customer
from solde.ledger.model import Transaction
from solde.ledger.ports import TransactionQuery
from solde.settlement import usecases as settlement
from solde.storage.api_keys import Role
from solde.storage.tables import metadata

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


class Book:
    """Adds customers, lines and payments through the use cases, on today's date."""

    def __init__(self, container: Container) -> None:
        self.container = container

    def today(self) -> date:
        with self.container.uow(actor="test", write=False) as uow:
            return today(uow.settings.get().timezone)

    def run(self, action: Any, *args: Any, **kwargs: Any) -> Any:
        with self.container.uow(actor="test") as uow:
            result = action(uow, *args, **kwargs)
            uow.commit()
        return result

    def customer(self, name: str = "Acme SARL", **values: Any) -> int:
        return int(self.run(usecases.create_customer, {"name": name, **values}).id)

    def line(self, customer_id: int, **values: Any) -> int:
        body = {"kind": "debit", "label": "Line", "unit_price": "10.00", **values}
        tx = self.run(settlement.add_entry, customer_id, body, on=self.today())
        return int(tx.id)

    def get_customer(self, customer_id: int) -> Customer:
        with self.container.uow(actor="test", write=False) as uow:
            return usecases.get_customer(uow, customer_id)

    def transaction(self, transaction_id: int) -> Transaction:
        with self.container.uow(actor="test", write=False) as uow:
            return usecases.get_transaction(uow, transaction_id)

    def newest(self, customer_id: int) -> Transaction:
        """The customer's newest transaction (after a form made one)."""
        query = TransactionQuery(customer_id=customer_id, limit=1)
        with self.container.uow(actor="test", write=False) as uow:
            return usecases.list_transactions(uow, query).items[0]

    def pay(self, customer_id: int, amount: str, **values: Any) -> int:
        body = {"amount": amount, **values}
        tx = self.run(settlement.record_payment, customer_id, body, on=self.today())
        return int(tx.id)


@dataclass
class Web:
    """A client of the back office with its cookies, signed in as one user."""

    client: TestClient
    container: Container
    role: Role | None = None
    email: str = ""
    csrf: str = ""
    book: Book = field(init=False)

    def __post_init__(self) -> None:
        self.book = Book(self.container)

    def sign_in(self, role: Role, email: str | None = None) -> Web:
        """Create a user of `role` and sign in through the sign-in form."""
        self.email = email or f"{role.value}@example.com"
        self.container.users.create(email=self.email, role=role, password=PASSWORD)
        form = self.client.get("/login")
        token = re.search(r'name="login_token" value="([^"]+)"', form.text)
        assert token is not None, form.text
        response = self.client.post(
            "/login",
            data={"email": self.email, "password": PASSWORD, "login_token": token.group(1)},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        self.role = role
        self.refresh_csrf()
        return self

    def refresh_csrf(self) -> None:
        page = self.client.get("/account")
        found = _CSRF.search(page.text)
        assert found is not None, page.text
        self.csrf = found.group(1)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, follow_redirects=False, **kwargs)

    def page(self, path: str, status: int = 200) -> str:
        """The HTML of a page, asserting its status."""
        response = self.client.get(path, follow_redirects=False)
        assert response.status_code == status, (response.status_code, response.text[:2000])
        return str(response.text)

    def post(
        self,
        path: str,
        data: dict[str, str] | None = None,
        *,
        htmx: bool = False,
        csrf: str | None = None,
    ) -> Any:
        """Send a form as the page would (with the session's CSRF token)."""
        body = {"csrf_token": self.csrf if csrf is None else csrf, **(data or {})}
        headers = {"HX-Request": "true"} if htmx else {}
        return self.client.post(path, data=body, headers=headers, follow_redirects=False)

    def as_role(self, role: Role) -> Web:
        """Another client, signed in as a new user of `role`."""
        other = Web(TestClient(self.client.app, raise_server_exceptions=False), self.container)
        return other.sign_in(role)

    def anonymous(self) -> Web:
        """A client that has not signed in."""
        return Web(TestClient(self.client.app, raise_server_exceptions=False), self.container)


def row_count(container: Container) -> dict[str, int]:
    """How many rows each table holds (sessions and sign-in failures apart)."""
    counts: dict[str, int] = {}
    with container.engine.connect() as connection:
        for table in metadata.sorted_tables:
            if table.name in ("web_sessions", "login_failures", "users"):
                continue
            counts[table.name] = len(connection.execute(table.select()).all())
    return counts
