"""Services and their charges."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Row,
    and_,
    bindparam,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from solde.billing.services import Charge, Service, ServiceInput
from solde.domain.errors import Conflict, NotFound
from solde.domain.periods import ONE_DAY
from solde.domain.tax import LinePrice
from solde.domain.values import is_possible_id
from solde.storage import units
from solde.storage.batches import chunks
from solde.storage.ids import next_id
from solde.storage.tables import service_charges, services

s = services.c
ch = service_charges.c


def _service(row: Row[Any]) -> Service:
    return Service(
        id=row.id,
        customer_id=row.customer_id,
        description=row.description,
        unit_price=units.from_micros(row.unit_price_e6),
        quantity=units.from_micros(row.quantity_e6),
        tax_rate=units.from_rate_units(row.tax_rate_e4),
        start_date=row.start_date,
        end_date=row.end_date,
        billed_through=row.billed_through,
        created_at=row.created_at,
        updated_at=row.updated_at,
        external_ref=row.external_ref,
    )


def _price_values(price: LinePrice) -> dict[str, int]:
    return {
        "unit_price_e6": units.micros(price.unit_price),
        "quantity_e6": units.micros(price.quantity),
        "tax_rate_e4": units.rate_units(price.tax_rate),
    }


def _charge(row: Row[Any]) -> Charge:
    return Charge(
        service_id=row.service_id,
        customer_id=row.customer_id,
        document_id=row.document_id,
        first=row.first_day,
        last=row.last_day,
        price=LinePrice(
            units.from_micros(row.quantity_e6),
            units.from_micros(row.unit_price_e6),
            units.from_rate_units(row.tax_rate_e4),
        ),
    )


_ADVANCE = (
    update(services)
    .where(
        s.customer_id == bindparam("c"),
        s.id == bindparam("i"),
        s.billed_through == bindparam("was"),
    )
    .values(billed_through=bindparam("through"))
)
_ADVANCE_FIRST = (
    update(services)
    .where(s.customer_id == bindparam("c"), s.id == bindparam("i"), s.billed_through.is_(None))
    .values(billed_through=bindparam("through"))
)
_INSERT_CHARGE = insert(service_charges)


class SqlServices:
    """Services and charges in the database."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, customer_id: int, wanted: ServiceInput) -> Service:
        """Insert a new service."""
        now = datetime.now(UTC)
        service_id = next_id(self._c, services)
        self._c.execute(
            insert(services).values(
                customer_id=customer_id,
                id=service_id,
                description=wanted.description,
                start_date=wanted.start_date,
                end_date=wanted.end_date,
                billed_through=None,
                created_at=now,
                updated_at=now,
                external_ref=wanted.external_ref,
                **_price_values(wanted.price),
            )
        )
        return self.get(service_id)

    def refs_taken(self, keys: Sequence[tuple[int, str]]) -> set[tuple[int, str]]:
        """Those (customer id, external_ref) pairs of `keys` that services already hold (an
        import skips them: a file imported twice creates nothing new)."""
        wanted = set(keys)
        found: set[tuple[int, str]] = set()
        for chunk in chunks(sorted(wanted)):
            # two plain IN lists (a superset of the pairs) compile and run faster than a
            # list of row values; the pairs are then picked out here
            query = select(services.c.customer_id, services.c.external_ref).where(
                services.c.customer_id.in_({customer for customer, _ in chunk}),
                services.c.external_ref.in_({ref for _, ref in chunk}),
            )
            rows = ((row[0], row[1]) for row in self._c.execute(query))
            found.update(pair for pair in rows if pair in wanted)
        return found

    def get(self, service_id: int) -> Service:
        """The service, or NotFound."""
        if not is_possible_id(service_id):
            raise NotFound("service", service_id)
        row = self._c.execute(select(services).where(s.id == service_id)).first()
        if row is None:
            raise NotFound("service", service_id)
        return _service(row)

    def of_customer(self, customer_id: int) -> list[Service]:
        """The customer's services by id."""
        rows = self._c.execute(select(services).where(s.customer_id == customer_id).order_by(s.id))
        return [_service(r) for r in rows]

    def of_customers(self, customer_ids: Sequence[int]) -> dict[int, list[Service]]:
        """Services of many customers, by customer."""
        found: dict[int, list[Service]] = {c: [] for c in customer_ids}
        if customer_ids:
            rows = self._c.execute(
                select(services).where(s.customer_id.in_(list(customer_ids))).order_by(s.id)
            )
            for row in rows:
                found[row.customer_id].append(_service(row))
        return found

    def replace(self, before: Service, after: Service) -> Service:
        """Save a changed service if nobody changed it meanwhile."""
        done = self._c.execute(
            update(services)
            .where(
                s.customer_id == before.customer_id,
                s.id == before.id,
                s.updated_at == before.updated_at,
                _same_billing(before.billed_through),
            )
            .values(
                description=after.description,
                start_date=after.start_date,
                end_date=after.end_date,
                billed_through=after.billed_through,
                updated_at=datetime.now(UTC),
                **_price_values(after.price),
            )
        )
        if done.rowcount != 1:
            raise Conflict(f"service {before.id} changed meanwhile; read it again")
        return self.get(before.id)

    def bill(self, service: Service, charge: Charge) -> None:
        """Advance `billed_through` from what the plan read, and keep the charge."""
        advance = _ADVANCE_FIRST if service.billed_through is None else _ADVANCE
        done = self._c.execute(
            advance,
            {
                "c": service.customer_id,
                "i": service.id,
                "was": service.billed_through,
                "through": charge.last,
            },
        )
        if done.rowcount != 1:
            raise Conflict(f"service {service.id} was billed meanwhile")
        try:
            self._c.execute(
                _INSERT_CHARGE,
                {
                    "customer_id": charge.customer_id,
                    "service_id": charge.service_id,
                    "first_day": charge.first,
                    "last_day": charge.last,
                    "document_id": charge.document_id,
                    **_price_values(charge.price),
                },
            )
        except IntegrityError:  # the unit of work is lost: the caller rolls it back
            raise Conflict(
                f"service {service.id} is already billed from {charge.first.isoformat()}"
            ) from None

    def bill_many(self, charges: Sequence[tuple[Service, Charge]]) -> None:
        """Advance many services at once from what the plans read, and keep their charges."""
        if not charges:
            return
        for first_time in (True, False):
            params = [
                {
                    "c": service.customer_id,
                    "i": service.id,
                    "was": service.billed_through,
                    "through": charge.last,
                }
                for service, charge in charges
                if (service.billed_through is None) is first_time
            ]
            if not params:
                continue
            advance = _ADVANCE_FIRST if first_time else _ADVANCE
            if self._c.dialect.supports_sane_multi_rowcount:
                if self._c.execute(advance, params).rowcount != len(params):
                    raise Conflict("a service of the batch was billed meanwhile")
                continue
            for one in params:
                if self._c.execute(advance, one).rowcount != 1:
                    raise Conflict(f"service {one['i']} was billed meanwhile")
        self._c.execute(
            _INSERT_CHARGE,
            [
                {
                    "customer_id": charge.customer_id,
                    "service_id": charge.service_id,
                    "first_day": charge.first,
                    "last_day": charge.last,
                    "document_id": charge.document_id,
                    **_price_values(charge.price),
                }
                for _, charge in charges
            ],
        )

    def trim(self, service_id: int, through: date) -> None:
        """Cut the service's charges at `through` (days given back)."""
        self._c.execute(
            delete(service_charges).where(ch.service_id == service_id, ch.first_day > through)
        )
        self._c.execute(
            update(service_charges)
            .where(ch.service_id == service_id, ch.last_day > through)
            .values(last_day=through)
        )

    def charges_of(self, service_id: int) -> list[Charge]:
        """The service's charges, oldest first."""
        rows = self._c.execute(
            select(service_charges).where(ch.service_id == service_id).order_by(ch.first_day)
        )
        return [_charge(r) for r in rows]

    def release(self, customer_id: int, document_id: int) -> list[Charge]:
        """Forget a voided invoice's charges; services whose last billing they were go back
        to the day before."""
        rows = self._c.execute(
            select(service_charges).where(
                ch.customer_id == customer_id, ch.document_id == document_id
            )
        ).all()
        charges = [_charge(r) for r in rows]
        for charge in charges:
            self._c.execute(
                delete(service_charges).where(
                    ch.customer_id == customer_id,
                    ch.service_id == charge.service_id,
                    ch.first_day == charge.first,
                )
            )
            service = self.get(charge.service_id)
            if service.billed_through == charge.last:
                back = charge.first - ONE_DAY
                self._c.execute(
                    update(services)
                    .where(s.customer_id == customer_id, s.id == charge.service_id)
                    .values(billed_through=None if back < service.start_date else back)
                )
        return charges


def _same_billing(billed_through: date | None) -> Any:
    if billed_through is None:
        return s.billed_through.is_(None)
    return and_(s.billed_through == billed_through)
