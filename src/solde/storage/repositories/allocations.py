"""Allocations between credits and debits. Rows are only ever added."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy import Connection, func, insert, or_, select

from solde.domain.money import Money
from solde.ledger.model import Allocation, AllocationLink, AllocationSource, AllocationStep
from solde.storage import units
from solde.storage.batches import chunks
from solde.storage.ids import next_ids
from solde.storage.tables import allocations, customer_balances

a = allocations.c


class SqlAllocations:
    """Allocations in the database."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection
        self._currencies: dict[int, str] = {}

    def _currency(self, customer_id: int) -> str:
        if customer_id not in self._currencies:
            query = select(customer_balances.c.currency).where(
                customer_balances.c.customer_id == customer_id
            )
            self._currencies[customer_id] = self._c.execute(query).scalar_one()
        return self._currencies[customer_id]

    def add(
        self,
        customer_id: int,
        credit_id: int,
        debit_id: int,
        amount: Money,
        day: date,
        source: AllocationSource,
    ) -> Allocation:
        """Insert one allocation."""
        step = AllocationStep(credit_id, debit_id, amount, day)
        return self.add_many(customer_id, [step], source)[0]

    def add_many(
        self, customer_id: int, steps: Sequence[AllocationStep], source: AllocationSource
    ) -> list[Allocation]:
        """Insert several allocations of one customer in one statement."""
        return self.add_for_customers([(customer_id, step) for step in steps], source)

    def add_for_customers(
        self, steps: Sequence[tuple[int, AllocationStep]], source: AllocationSource
    ) -> list[Allocation]:
        """Insert allocations of any customers in one statement (bulk imports)."""
        if not steps:
            return []
        ids = next_ids(self._c, allocations, len(steps))
        now = datetime.now(UTC)
        rows = [
            {
                "customer_id": customer_id,
                "id": allocation_id,
                "credit_id": step.credit_id,
                "debit_id": step.debit_id,
                "amount": units.to_minor(step.amount),
                "date": step.day,
                "source": source.value,
                "created_at": now,
            }
            for allocation_id, (customer_id, step) in zip(ids, steps, strict=True)
        ]
        self._c.execute(_INSERT, rows)
        return [
            Allocation(i, c, s.credit_id, s.debit_id, s.amount, s.day, source)
            for i, (c, s) in zip(ids, steps, strict=True)
        ]

    def links(
        self, customer_id: int, transaction_ids: Sequence[int]
    ) -> dict[int, list[AllocationLink]]:
        """Net settled amounts between each of `transaction_ids` and its counterparts."""
        result: dict[int, list[AllocationLink]] = defaultdict(list)
        if not transaction_ids:
            return result
        wanted = set(transaction_ids)
        currency = self._currency(customer_id)
        for chunk in chunks(sorted(wanted)):
            query = (
                select(a.credit_id, a.debit_id, func.sum(a.amount))
                .where(
                    a.customer_id == customer_id, or_(a.credit_id.in_(chunk), a.debit_id.in_(chunk))
                )
                .group_by(a.credit_id, a.debit_id)
            )
            for credit_id, debit_id, total in self._c.execute(query):
                if not total:
                    continue
                amount = units.from_minor(total, currency)
                if credit_id in wanted:
                    result[credit_id].append(AllocationLink(debit_id, amount))
                if debit_id in wanted:
                    result[debit_id].append(AllocationLink(credit_id, amount))
        for links in result.values():
            unique = {link.transaction_id: link for link in links}
            links[:] = sorted(unique.values(), key=lambda link: link.transaction_id)
        return result


_INSERT = insert(allocations)
