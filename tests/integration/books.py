"""What the integration tests share: a book that calls the use cases as the API does."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from solde.bootstrap import Container
from solde.ledger import usecases as ledger

ON = date(2026, 3, 10)


class Book:
    """Calls the use cases the way the API does: one unit of work per action, committed."""

    def __init__(self, container: Container) -> None:
        self.container = container

    def __call__(self, action: Any, *args: Any, **kwargs: Any) -> Any:
        with self.container.uow(actor="test") as uow:
            result = action(uow, *args, **kwargs)
            uow.commit()
        return result

    def customer(self, **billing: object) -> int:
        values = {"name": "Test", "currency": "EUR", "billing": billing}
        return int(self(ledger.create_customer, values).id)

    def open_amount(self, tx_id: int) -> Decimal:
        with self.container.uow(actor="test", write=False) as uow:
            return ledger.get_transaction(uow, tx_id).open_amount.amount
