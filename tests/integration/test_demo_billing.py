"""The demo's services and billing runs, loaded once per database: the recurring invoices come
from runs, services show proration and days given back, and the latest run is a preview that
can be confirmed as it is (SPEC §8).

The demo is loaded for 17 March 2026 with its default seed. Customer `CUST-10nn` is the demo's
customer index nn − 1; billing days: 1, 8, 1, 15 and 17 (the preview's day) by index modulo 5.
"""

from __future__ import annotations

import hashlib
import itertools
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest

from solde import runs as engine
from solde.billing import runs
from solde.billing.documents import DocState, DocType, Document, Status
from solde.billing.ports import InvoiceQuery, Listed, Outcome, RunStatus
from solde.bootstrap import Config, Container
from solde.demo import load_demo
from solde.demo_billing import Calendar
from solde.ledger import usecases as ledger
from solde.ledger.model import TxType
from solde.ledger.ports import MAX_PAGE, CustomerQuery, TransactionQuery
from solde.storage.migrate import upgrade

TODAY = date(2026, 3, 17)
D = Decimal


@dataclass
class Demo:
    container: Container
    url: str

    def uow(self) -> Any:
        return self.container.uow(actor="test", write=False)

    def customer_id(self, ref: str) -> int:
        with self.uow() as uow:
            found = uow.customers.id_of_external_ref(ref)
        assert found is not None, ref
        return int(found)

    def documents(self, customer_id: int | None = None) -> list[Listed]:
        """Newest first, drafts included."""
        with self.uow() as uow:
            query = InvoiceQuery(as_of=TODAY, customer_id=customer_id)
            return list(uow.documents.each(query))

    def invoices(self, ref: str) -> list[Document]:
        """The customer's issued invoices, oldest first."""
        listed = self.documents(self.customer_id(ref))
        found = [x.document for x in listed if x.document.state is DocState.ISSUED]
        return sorted(found, key=lambda d: d.id)


def _database(kind: str, request: pytest.FixtureRequest, tmp: Path) -> tuple[str, str | None]:
    if kind == "sqlite":
        return f"sqlite:///{tmp / 'demo.db'}", None
    session_url: str = request.getfixturevalue("pg_url")
    base, name = session_url.rsplit("/", 1)
    own = f"{name}_demo_billing"
    _admin(base, f'DROP DATABASE IF EXISTS "{own}"', f'CREATE DATABASE "{own}"')
    return f"{base}/{own}", own


def _admin(base: str, *statements: str) -> None:
    url = f"{base}/postgres".replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(url, autocommit=True) as admin:
        for statement in statements:
            admin.execute(statement)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Demo]:
    url, pg_name = _database(request.param, request, tmp_path_factory.mktemp("demo"))
    container = Container(Config(url))
    upgrade(container.engine)
    summary = load_demo(lambda: container.uow(actor="demo"), today=TODAY)
    assert summary is not None
    yield Demo(container, url)
    container.dispose()
    if pg_name is not None:
        _admin(url.rsplit("/", 1)[0], f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')


def _copy(demo: Demo, tmp: Path) -> tuple[Container, str | None]:
    """A copy of the demo database to change (SQLite file, PostgreSQL template)."""
    demo.container.dispose()
    if demo.url.startswith("sqlite"):
        target = tmp / "copy.db"
        shutil.copyfile(demo.url.removeprefix("sqlite:///"), target)
        return Container(Config(f"sqlite:///{target}")), None
    base, name = demo.url.rsplit("/", 1)
    copy = f"{name}_copy"
    _admin(base, f'DROP DATABASE IF EXISTS "{copy}"', f'CREATE DATABASE "{copy}" TEMPLATE "{name}"')
    return Container(Config(f"{base}/{copy}")), copy


# -- the recurring invoices come from billing runs ------------------------------------------


def test_every_recurring_invoice_and_draft_was_made_by_the_run_of_its_date(demo: Demo) -> None:
    with demo.uow() as uow:
        made: dict[int, date] = {}
        for run in uow.runs.latest(1000):
            for outcome in uow.runs.outcomes(run.id, limit=1000):
                if outcome.document_id is not None:
                    made[outcome.document_id] = run.date
    recurring = [x.document for x in demo.documents() if x.document.type is DocType.RECURRING]
    issued = [d for d in recurring if d.state is DocState.ISSUED]
    assert len(issued) > 150
    for doc in recurring:
        assert made.get(doc.id) == doc.document_date, doc
    # what is not recurring was made by hand: an installation invoice and a quote
    others = sorted(x.document.type.value for x in demo.documents())
    assert others.count("one_time") == others.count("proforma") == 1


def test_runs_bill_each_billing_date_once_and_the_last_one_waits_as_a_preview(demo: Demo) -> None:
    with demo.uow() as uow:
        found = list(reversed(uow.runs.latest(1000)))
    calendar = Calendar(TODAY)
    assert [r.date for r in found[:-1]] == calendar.run_dates()
    assert all(r.status is RunStatus.COMPLETED for r in found[:-1])
    preview = found[-1]
    assert preview.status is RunStatus.PREVIEW
    assert preview.date == TODAY == calendar.preview_day  # the 17th: today's run
    # every billing day of month of the demo, from six months back
    assert {r.date.day for r in found} == {1, 8, 15, 17}
    assert found[0].date == date(2025, 9, 17)


def test_services_last_billed_day_follows_from_their_charges_without_gap_or_overlap(
    demo: Demo,
) -> None:
    """A period is never billed twice and no day is forgotten (SPEC §1, invariant 6)."""
    with demo.uow() as uow:
        every = [
            s
            for ref in range(1001, 1037)
            for s in uow.services.of_customer(uow.customers.id_of_external_ref(f"CUST-{ref}"))
        ]
        assert len(every) >= 70
        assert any(s.quantity > 1 for s in every)
        for service in every:
            charges = sorted(uow.services.charges_of(service.id), key=lambda c: c.first)
            if not charges:
                assert service.billed_through is None
                continue
            assert charges[0].first == service.start_date
            for before, after in itertools.pairwise(charges):
                assert after.first == before.last + timedelta(days=1)
            assert service.billed_through == charges[-1].last
            assert all(c.document_id is not None for c in charges)


def test_a_service_started_mid_period_is_billed_from_its_start_with_the_next_period(
    demo: Demo,
) -> None:
    """CUST-1004 (billing day 15) subscribed to Fibre 300 Mb/s (29.99) on 24 October 2025,
    nine days after its first billing date."""
    first, second, *_ = demo.invoices("CUST-1004")
    assert first.document_date == date(2025, 11, 15)
    (line,) = first.items
    assert (line.period_start, line.period_end) == (date(2025, 10, 24), date(2025, 12, 14))
    # 24 Oct-14 Nov is 22 of the 31 days of 15 Oct-14 Nov, then a full period:
    # 29.99 × (22/31 + 1) = 51.2732… → net 51.27, tax 20 % 10.254 → 10.25, total 61.52
    assert (first.net.amount, first.tax.amount, first.total.amount) == (
        D("51.27"),
        D("10.25"),
        D("61.52"),
    )
    # then a full month: 29.99 + tax 5.998 → 6.00 = 35.99
    assert second.total.amount == D("35.99")


def test_a_service_ended_mid_period_gives_its_unused_days_back_on_the_next_invoice(
    demo: Demo,
) -> None:
    """CUST-1007 (billing day 8, in advance) drops its TV option (9.99) on 17 January 2026,
    after the 8 January invoice billed it up to 7 February."""
    by_date = {d.document_date: d for d in demo.invoices("CUST-1007")}
    january, february = by_date[date(2026, 1, 8)], by_date[date(2026, 2, 8)]
    assert [i.description for i in january.items] == ["Fibre 1 Gb/s", "TV option"]
    assert january.total.amount == D("71.98")  # 49.99 + 20 % → 59.99, 9.99 + 20 % → 11.99
    fibre, credit = february.items
    assert fibre.description == "Fibre 1 Gb/s"
    assert credit.description.startswith("Unused days of TV option")
    # 18 Jan-7 Feb is 21 of the 31 days of 8 Jan-7 Feb: 9.99 × 21/31 = 6.7674 → 6.77,
    # tax 1.354 → 1.35: a credit of 8.12 on 59.99
    assert credit.gross.amount == D("-8.12")
    assert february.total.amount == D("51.87")


def test_a_quarterly_customer_is_billed_every_three_months(demo: Demo) -> None:
    """CUST-1003: quarterly periods from 1 October 2025, a support plan among its services."""
    invoices = demo.invoices("CUST-1003")
    assert [d.document_date for d in invoices] == [date(2025, 10, 1), date(2026, 1, 1)]
    latest = invoices[-1]
    assert (latest.period_start, latest.period_end) == (date(2026, 1, 1), date(2026, 3, 31))
    assert "Support plan" in [i.description for i in latest.items]
    # (267.00 + 120.00 + 4 × 15.00) × 1.2 = 536.40
    assert latest.total.amount == D("536.40")


def test_the_preview_compares_its_drafts_with_the_previous_invoices(demo: Demo) -> None:
    with demo.uow() as uow:
        preview = uow.runs.latest(1)[0]
        compared = {c.customer_id: c for c in runs.compare(uow, preview.id)}
    change = {ref: compared[demo.customer_id(ref)].change for ref in (
        "CUST-1010", "CUST-1020", "CUST-1030", "CUST-1025")}  # fmt: skip
    assert change == {
        "CUST-1010": "missing",  # its service ended in the previous period
        "CUST-1020": "new",  # subscribed after the previous billing date
        "CUST-1030": "changed",  # three VoIP lines added
        "CUST-1025": "same",
    }
    drafts = [x for x in demo.documents() if x.status is Status.DRAFT]
    assert len(drafts) == sum(c.draft is not None for c in compared.values()) >= 5
    assert all(x.document.number is None for x in drafts)


def test_the_demo_shows_paid_unpaid_overdue_and_partly_paid_invoices(demo: Demo) -> None:
    statuses = {x.status for x in demo.documents()}
    assert {Status.PAID, Status.UNPAID, Status.OVERDUE, Status.PARTIALLY_PAID} <= statuses
    assert Status.DRAFT in statuses  # the preview's
    with demo.uow() as uow:
        query = InvoiceQuery(as_of=TODAY, types=frozenset({DocType.CREDIT_NOTE}))
        (credit_note,) = uow.documents.each(query)
    assert credit_note.document.reason == "Technician late"


def test_subscribers_pay_their_recurring_invoices_by_name_and_in_full(demo: Demo) -> None:
    with demo.uow() as uow:
        payments = [
            t
            for ref in range(1001, 1037)
            for t in ledger.list_transactions(
                uow, TransactionQuery(customer_id=demo.customer_id(f"CUST-{ref}"), limit=MAX_PAGE)
            ).items
            if t.type is TxType.PAYMENT
        ]
        paid = {t.id: uow.documents.get(t.invoice_id) for t in payments if t.invoice_id}
    assert len(payments) > 100
    assert len(paid) == len(payments)
    for payment in payments:
        invoice = paid[payment.id]
        assert invoice.type is DocType.RECURRING
        assert invoice.customer_id == payment.customer_id
        assert payment.amount == invoice.total
        assert payment.date > invoice.document_date


def test_confirming_the_preview_issues_every_draft_as_it_stands(demo: Demo, tmp_path: Path) -> None:
    """Nothing changed since the preview: every draft becomes an invoice, none is parked."""
    container, pg_copy = _copy(demo, tmp_path)
    try:
        with container.uow(actor="test", write=False) as uow:
            preview = uow.runs.latest(1)[0]
            drafted = runs.drafted_customers(uow, preview.id)
        run = engine.confirm_preview(container, preview.id, actor="test", on=TODAY)
        with container.uow(actor="test", write=False) as uow:
            progress = uow.runs.progress(run.id)
            invoiced = uow.runs.outcomes(run.id, outcome=Outcome.INVOICED, limit=1000)
            issued = [uow.documents.get(o.document_id) for o in invoiced if o.document_id]
        assert run.status is RunStatus.COMPLETED
        assert progress.counts.get(Outcome.PARKED, 0) == 0
        assert sorted(o.customer_id for o in invoiced) == sorted(drafted)
        assert all(d.number and d.document_date == TODAY for d in issued)
    finally:
        container.dispose()
        if pg_copy is not None:
            _admin(demo.url.rsplit("/", 1)[0], f'DROP DATABASE IF EXISTS "{pg_copy}" WITH (FORCE)')


def _digest(container: Container) -> str:
    """The documents, and what dunning did: statuses, reminders and events."""
    with container.uow(actor="test", write=False) as uow:
        rows: list[object] = [
            (x.document.number, x.document.document_date, str(x.document.total), x.status)
            for x in uow.documents.each(InvoiceQuery(as_of=TODAY))
        ]
        customers = ledger.list_customers(uow, CustomerQuery(limit=MAX_PAGE)).items
        refs = {c.id: c.details.external_ref for c in customers}
        rows += [(refs[c.id], c.details.status, c.details.status_by) for c in customers]
        for customer_id in sorted(refs):
            reminders = uow.dunning.reminders_of(customer_id)
            rows += [
                (
                    refs[customer_id],
                    r.date,
                    r.level,
                    [(x["number"], x["open_amount"]) for x in r.lines],
                )
                for r in reminders
            ]
        events = uow.events.search(limit=1000).items
        rows += [(e.type, e.occurred_on, refs.get(e.customer_id or 0)) for e in events]
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_the_same_seed_and_day_load_the_same_books(demo: Demo, tmp_path: Path) -> None:
    # loaded again into a fresh SQLite file, the demo gives the same books on either backend
    other = Container(Config(f"sqlite:///{tmp_path / 'again.db'}"))
    try:
        upgrade(other.engine)
        load_demo(lambda: other.uow(actor="demo"), today=TODAY)
        assert _digest(other) == _digest(demo.container)
    finally:
        other.dispose()
