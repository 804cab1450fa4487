"""What imports need from storage beyond the ledger's and billing's ports: which external
references are already taken. `solde.storage` implements them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from solde.billing.ports import BillingUnitOfWork, Services
from solde.ledger.ports import Transactions


class TakenRefs(Protocol):
    """Looks up external references, unique per customer."""

    def refs_taken(self, keys: Sequence[tuple[int, str]]) -> set[tuple[int, str]]:
        """Those (customer id, external_ref) pairs of `keys` already used."""


class ImportTransactions(Transactions, TakenRefs, Protocol):
    """Transactions, with their external references."""


class ImportServices(Services, TakenRefs, Protocol):
    """Services, with their external references."""


class ImportUnitOfWork(BillingUnitOfWork, Protocol):
    """The unit of work an import runs in."""

    @property
    def transactions(self) -> ImportTransactions:
        """Transactions and lines."""

    @property
    def services(self) -> ImportServices:
        """Services."""
