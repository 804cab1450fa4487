"""Invoice groups and their members."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection, func, insert, select

from solde.billing.ports import Group
from solde.domain.errors import NotFound
from solde.domain.values import is_possible_id
from solde.storage.tables import invoice_group_members, invoice_groups

g = invoice_groups.c
m = invoice_group_members.c
_COUNT = (
    select(func.count())
    .where(m.group_id == g.id)
    .correlate(invoice_groups)
    .scalar_subquery()
    .label("count")
)


class SqlGroups:
    """Invoice groups in the database."""

    def __init__(self, connection: Connection, actor: str) -> None:
        self._c = connection
        self._actor = actor

    def add(self, name: str) -> Group:
        """A new, empty group."""
        result = self._c.execute(
            insert(invoice_groups).values(
                name=name, created_at=datetime.now(UTC), created_by=self._actor
            )
        )
        key = result.inserted_primary_key
        assert key is not None
        return Group(int(key[0]), name, 0)

    def get(self, group_id: int) -> Group:
        """The group with its member count."""
        if not is_possible_id(group_id):
            raise NotFound("invoice group", group_id)
        row = self._c.execute(select(g.id, g.name, _COUNT).where(g.id == group_id)).first()
        if row is None:
            raise NotFound("invoice group", group_id)
        return Group(row.id, row.name, int(row[2]))

    def all(self) -> list[Group]:
        """Every group, newest first."""
        rows = self._c.execute(select(g.id, g.name, _COUNT).order_by(g.id.desc()))
        return [Group(r.id, r.name, int(r[2])) for r in rows]

    def add_members(self, group_id: int, members: Sequence[tuple[int, int]]) -> int:
        """Add the (customer id, document id) pairs not in the group yet."""
        present = {
            (r.customer_id, r.document_id)
            for r in self._c.execute(
                select(m.customer_id, m.document_id).where(m.group_id == group_id)
            )
        }
        new = [
            {"group_id": group_id, "customer_id": c, "document_id": doc}
            for c, doc in dict.fromkeys(members)
            if (c, doc) not in present
        ]
        if new:
            self._c.execute(insert(invoice_group_members), new)
        return len(new)
