"""Billing runs on both databases (SPEC §8): zero invoices, balance-only accounts, unbilled
lines, customers left out, idempotency, parked customers and their retry, previews compared,
confirmed and discarded, a void that releases the days, and worker processes. Every story ends
with the ledger checks of SPEC §1 (invariant 6 included). Amounts are worked out by hand."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
from billbook import BillBook, Line, check_books, lines
from sqlalchemy import delete, insert

from solde import runs as runner
from solde.billing import recurring
from solde.billing import runs as billing_runs
from solde.billing.documents import DocState
from solde.billing.ports import Outcome, RunStatus
from solde.bootstrap import Config, Container
from solde.domain.errors import InvalidInput, InvalidState
from solde.storage.backup import backup_sqlite
from solde.storage.tables import service_charges

D = date
MAY, JUNE = D(2026, 5, 1), D(2026, 6, 1)


@pytest.fixture
def book(container: Container) -> BillBook:
    return BillBook(container)


def _compare(book: BillBook, run_id: int, threshold: str = "10") -> dict[int, tuple[Any, ...]]:
    with book.container.uow(actor="test", write=False) as uow:
        found = billing_runs.compare(uow, run_id, threshold=Decimal(threshold))
    return {
        c.customer_id: (
            c.change,
            None if c.difference is None else str(c.difference.amount),
            None if c.draft is None else c.draft.state,
            None if c.previous is None else c.previous.document_date,
        )
        for c in found
    }


# -- zero invoices and balance-only accounts -------------------------------------------------


def test_a_free_service_makes_no_invoice_but_its_days_are_billed(book: BillBook) -> None:
    customer = book.customer(billing_day=1)
    free = book.service(customer, "0.00", MAY, description="Free plan")

    run = book.run(MAY)

    outcome = book.outcomes(run.id)[customer]
    assert outcome.outcome == Outcome.SKIPPED
    assert outcome.reason == "the invoice total is zero (skip_zero_invoices)"
    assert book.documents_of(customer) == []
    assert book.get_service(free).billed_through == D(2026, 5, 31)
    assert book.charges(free) == [(MAY, D(2026, 5, 31))]

    # --no-skip-zero: the invoice of zero is made, numbered, with its line
    june = book.run(JUNE, skip_zero_invoices=False)
    assert book.outcomes(june.id)[customer].outcome == Outcome.INVOICED
    invoice = book.only_invoice(customer)
    assert invoice.total.amount == Decimal("0.00")
    assert invoice.number is not None
    assert lines(invoice) == [Line("0.00", "0.00", JUNE, D(2026, 6, 30))]
    assert book.get_service(free).billed_through == D(2026, 6, 30)
    check_books(book.container)


def test_balance_only_accounts_get_a_document_of_what_they_owe(book: BillBook) -> None:
    owes = book.customer(billing_day=1)
    book.charge(owes, "25.00", D(2026, 4, 10), on=D(2026, 4, 10))  # posted at once
    waiting = book.customer(billing_day=1)
    book.line(waiting, "15.00", D(2026, 4, 20), on=D(2026, 4, 20), label="Router")
    nothing = book.customer(billing_day=1)

    plain = book.run(MAY)
    reasons = {c: o.reason for c, o in book.outcomes(plain.id).items()}
    assert reasons == dict.fromkeys((owes, waiting, nothing), "no active service")
    assert book.documents_of(owes) == book.documents_of(waiting) == []

    run = book.run(JUNE, balance_only_accounts=True)

    outcomes = book.outcomes(run.id)
    assert outcomes[owes].outcome == outcomes[waiting].outcome == Outcome.INVOICED
    assert outcomes[nothing].outcome == Outcome.SKIPPED
    assert outcomes[nothing].reason == "no active service, nothing unbilled and nothing owed"
    # a document of zero that shows the account balance of 25.00
    statement = book.only_invoice(owes)
    assert (statement.total.amount, statement.items) == (Decimal("0.00"), ())
    assert statement.account_balance is not None
    assert statement.account_balance.amount == Decimal("25.00")
    assert statement.number is not None
    # the unbilled line is invoiced: 15.00
    invoice = book.only_invoice(waiting)
    assert [(i.description, str(i.gross.amount)) for i in invoice.items] == [("Router", "15.00")]
    assert book.balance(waiting, JUNE) == Decimal("15.00")
    assert book.documents_of(nothing) == []
    check_books(book.container)


def test_a_run_takes_the_unbilled_lines_dated_up_to_its_date(book: BillBook) -> None:
    customer = book.customer(billing_day=1)
    book.service(customer, "60.00", MAY)
    before = D(2026, 4, 25)
    book.line(customer, "10.00", MAY, on=before, label="Router")
    book.line(customer, "5.00", D(2026, 5, 2), on=before, label="Call")

    book.run(MAY)
    may = book.only_invoice(customer)
    # 60.00 + the line dated 1 May; the one dated 2 May waits
    assert [(i.description, str(i.gross.amount)) for i in may.items] == [
        ("Fibre", "60.00"),
        ("Router", "10.00"),
    ]
    assert may.total.amount == Decimal("70.00")
    assert [line.label for line in book.unbilled(customer)] == ["Call"]

    book.run(JUNE)
    june = book.invoices(customer)[-1]
    assert [(i.description, str(i.gross.amount)) for i in june.items] == [
        ("Fibre", "60.00"),
        ("Call", "5.00"),
    ]
    assert book.unbilled(customer) == []
    check_books(book.container)


def test_customers_with_billing_off_manual_or_inactive_are_left_out(book: BillBook) -> None:
    normal = book.customer(billing_day=1)
    off = book.customer(billing_day=1, billing_enabled=False)
    manual = book.customer(billing_day=1, auto_invoice=False)
    gone = book.customer(billing_day=1)
    book.update_customer(gone, status="inactive")
    services = {c: book.service(c, "60.00", D(2026, 4, 1)) for c in (normal, off, manual, gone)}

    run = book.run(MAY)

    assert set(book.outcomes(run.id)) == {normal}
    assert run.total == 1
    for customer in (off, manual, gone):
        assert book.documents_of(customer) == []
        assert book.get_service(services[customer]).billed_through is None
    # April and May: 60 + 60
    assert book.only_invoice(normal).total.amount == Decimal("120.00")
    check_books(book.container)


# -- idempotency and parked customers --------------------------------------------------------


def test_running_the_same_date_twice_bills_once(book: BillBook) -> None:
    first, second = book.customer(billing_day=1), book.customer(billing_day=1)
    for customer in (first, second):
        book.service(customer, "60.00", MAY)

    run = book.run(MAY)
    again = book.run(MAY)

    assert again.id == run.id
    assert again.status is RunStatus.COMPLETED
    assert [len(book.invoices(c)) for c in (first, second)] == [1, 1]
    numbers = [book.only_invoice(c).number for c in (first, second)]
    assert numbers == ["202601000001", "202601000002"]
    _, progress = runner.progress_of(book.container, run.id)
    assert progress.counts == {"invoiced": 2}
    with book.container.uow(actor="test", write=False) as uow:
        assert [r.id for r in uow.runs.latest(10)] == [run.id]
    check_books(book.container)


def test_a_run_dated_after_today_is_refused(book: BillBook) -> None:
    customer = book.customer(billing_day=1)
    book.service(customer, "60.00", MAY)
    with pytest.raises(InvalidInput) as refused:
        book.run(JUNE, on=D(2026, 5, 31))
    assert [e.field for e in refused.value.errors] == ["date"]
    with book.container.uow(actor="test", write=False) as uow:
        assert uow.runs.latest(10) == []


def test_a_failing_customer_is_parked_and_billed_once_fixed(
    book: BillBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, broken, last = (book.customer(billing_day=1) for _ in range(3))
    fibres = {c: book.service(c, "60.00", MAY) for c in (first, broken, last)}
    planned = recurring.plan_customer

    def failing(uow: Any, customer: Any, day: date, options: Any) -> Any:
        if customer.id == broken:
            raise RuntimeError("no postal address for the invoice")
        return planned(uow, customer, day, options)

    monkeypatch.setattr(recurring, "plan_customer", failing)
    run = book.run(MAY)

    outcomes = book.outcomes(run.id)
    assert outcomes[first].outcome == outcomes[last].outcome == Outcome.INVOICED
    assert outcomes[broken].outcome == Outcome.PARKED
    assert outcomes[broken].reason == "RuntimeError: no postal address for the invoice"
    assert run.status is RunStatus.COMPLETED
    assert book.documents_of(broken) == []
    assert book.get_service(fibres[broken]).billed_through is None
    with book.container.uow(actor="test", write=False) as uow:
        assert billing_runs.parked_customers(uow, run.id) == [broken]

    monkeypatch.undo()
    retried = runner.retry_parked(book.container, run.id, actor="test", on=MAY)

    assert retried.id == run.id
    assert retried.status is RunStatus.COMPLETED
    assert book.outcomes(run.id)[broken].outcome == Outcome.INVOICED
    assert book.only_invoice(broken).total.amount == Decimal("60.00")
    assert [len(book.invoices(c)) for c in (first, last)] == [1, 1]
    _, progress = runner.progress_of(book.container, run.id)
    assert progress.counts == {"invoiced": 3}
    check_books(book.container)


def test_bad_data_parks_one_customer_and_a_second_run_of_the_date_finishes(
    book: BillBook,
) -> None:
    good, bad = book.customer(billing_day=1), book.customer(billing_day=1)
    book.service(good, "60.00", MAY)
    tv = book.service(bad, "60.00", MAY)
    # a stray charge of 1 May (billed_through still empty): billing the service would bill
    # its first day twice, which the database refuses
    stray = {"customer_id": bad, "service_id": tv, "first_day": MAY, "last_day": MAY}
    price = {"unit_price_e6": 60_000_000, "quantity_e6": 1_000_000, "tax_rate_e4": 0}
    with book.container.engine.begin() as connection:
        connection.execute(insert(service_charges).values(**stray, **price))

    run = book.run(MAY)

    parked = book.outcomes(run.id)[bad]
    assert parked.outcome == Outcome.PARKED
    assert parked.reason == f"service {tv} is already billed from 2026-05-01"
    assert book.only_invoice(good).total.amount == Decimal("60.00")
    assert book.documents_of(bad) == []
    assert book.get_service(tv).billed_through is None  # the failed unit of work left nothing

    with book.container.engine.begin() as connection:
        connection.execute(delete(service_charges).where(service_charges.c.service_id == tv))
    again = book.run(MAY)

    assert again.id == run.id
    assert book.outcomes(run.id)[bad].outcome == Outcome.INVOICED
    assert book.only_invoice(bad).total.amount == Decimal("60.00")
    assert len(book.invoices(good)) == 1
    check_books(book.container)


# -- previews --------------------------------------------------------------------------------


def test_a_preview_drafts_compares_and_confirms(book: BillBook) -> None:
    same, dearer, slightly, ending, at_threshold = (book.customer(billing_day=1) for _ in range(5))
    prices = {same: "60.00", dearer: "100.00", slightly: "50.00", at_threshold: "100.00"}
    services = {c: book.service(c, p, MAY) for c, p in prices.items()}
    book.service(ending, "40.00", MAY, end=D(2026, 5, 31))
    book.run(MAY)
    newcomer = book.customer(billing_day=1)
    services[newcomer] = book.service(newcomer, "60.00", JUNE, on=D(2026, 5, 20))
    book.change(services[dearer], on=D(2026, 5, 20), unit_price="111.00")
    book.change(services[slightly], on=D(2026, 5, 20), unit_price="54.00")
    book.change(services[at_threshold], on=D(2026, 5, 20), unit_price="110.00")
    balances = {c: book.balance(c, JUNE) for c in prices}

    preview = book.run(JUNE, preview=True)

    assert preview.status is RunStatus.PREVIEW
    outcomes = book.outcomes(preview.id)
    drafted = {c for c, o in outcomes.items() if o.outcome == Outcome.DRAFTED}
    assert drafted == {same, dearer, slightly, at_threshold, newcomer}
    assert outcomes[ending].outcome == Outcome.SKIPPED
    for customer in drafted:
        [draft] = book.documents_of(customer, state=DocState.DRAFT)
        assert draft.number is None
        assert draft.transaction_id is None
        billed = None if customer == newcomer else D(2026, 5, 31)
        assert book.get_service(services[customer]).billed_through == billed
    assert {c: book.balance(c, JUNE) for c in prices} == balances
    assert str(outcomes[dearer].total.amount) == "111.00"  # type: ignore[union-attr]

    assert _compare(book, preview.id) == {
        same: ("same", "0.00", DocState.DRAFT, MAY),  # 60 → 60
        dearer: ("changed", "11.00", DocState.DRAFT, MAY),  # +11 > 10 % of 100
        slightly: ("same", "4.00", DocState.DRAFT, MAY),  # +4 is 8 % of 50
        at_threshold: ("same", "10.00", DocState.DRAFT, MAY),  # +10 is 10 %: not more
        ending: ("missing", None, None, MAY),  # invoiced in May, nothing now
        newcomer: ("new", None, DocState.DRAFT, None),
    }
    # at 5 %: 8 % and 10 % are changes
    assert {c: v[0] for c, v in _compare(book, preview.id, "5").items()} == {
        same: "same",
        dearer: "changed",
        slightly: "changed",
        at_threshold: "changed",
        ending: "missing",
        newcomer: "new",
    }

    confirmed = runner.confirm_preview(book.container, preview.id, actor="test", on=JUNE)

    assert confirmed.status is RunStatus.COMPLETED
    assert all(
        o.outcome == Outcome.INVOICED for c, o in book.outcomes(preview.id).items() if c in drafted
    )
    totals = {c: str(book.invoices(c)[-1].total.amount) for c in drafted}
    assert totals == {
        same: "60.00",
        dearer: "111.00",
        slightly: "54.00",
        at_threshold: "110.00",
        newcomer: "60.00",
    }
    for customer in drafted:
        assert book.documents_of(customer, state=DocState.DRAFT) == []
        assert book.get_service(services[customer]).billed_through == D(2026, 6, 30)
    assert book.balance(dearer, JUNE) == Decimal("211.00")  # 100 + 111
    # the May run numbered 5 invoices; June's follow without a gap
    numbers = sorted(book.invoices(c)[-1].number or "" for c in drafted)
    assert numbers == [f"2026010000{k:02d}" for k in range(6, 11)]
    with pytest.raises(InvalidState):
        runner.confirm_preview(book.container, preview.id, actor="test", on=JUNE)
    check_books(book.container)


def test_a_discarded_preview_leaves_nothing_and_the_date_can_be_billed(book: BillBook) -> None:
    customers = [book.customer(billing_day=1) for _ in range(2)]
    fibres = [book.service(c, "60.00", MAY) for c in customers]

    preview = book.run(MAY, preview=True)
    discarded = runner.discard_preview(book.container, preview.id, actor="test")

    assert discarded.status is RunStatus.DISCARDED
    assert {o.outcome for o in book.outcomes(preview.id).values()} == {Outcome.DISCARDED}
    assert all(book.documents_of(c) == [] for c in customers)
    assert all(book.get_service(f).billed_through is None for f in fibres)
    with pytest.raises(InvalidState):
        runner.confirm_preview(book.container, preview.id, actor="test", on=MAY)

    run = book.run(MAY)
    assert run.id != preview.id
    assert [book.only_invoice(c).total.amount for c in customers] == [Decimal("60.00")] * 2
    check_books(book.container)


def test_a_bill_that_changed_since_the_preview_is_parked_at_confirm(book: BillBook) -> None:
    steady, changed = book.customer(billing_day=1), book.customer(billing_day=1)
    fibres = {c: book.service(c, "60.00", MAY) for c in (steady, changed)}
    preview = book.run(MAY, preview=True)
    book.line(changed, "9.00", MAY, on=MAY, label="Late fee")

    runner.confirm_preview(book.container, preview.id, actor="test", on=MAY)

    outcomes = book.outcomes(preview.id)
    assert outcomes[steady].outcome == Outcome.INVOICED
    assert outcomes[changed].outcome == Outcome.PARKED
    assert outcomes[changed].reason == (
        "the customer's bill changed since the preview; run the billing again for 2026-05-01"
    )
    assert book.documents_of(changed) == []  # its draft is gone, nothing issued
    assert book.get_service(fibres[changed]).billed_through is None
    assert [line.label for line in book.unbilled(changed)] == ["Late fee"]

    # as the reason says: the billing of the date, run again, invoices it with the new line
    book.run(MAY)
    assert book.only_invoice(changed).total.amount == Decimal("69.00")  # 60 + 9
    assert len(book.invoices(steady)) == 1
    check_books(book.container)


def test_retrying_a_confirmed_preview_invoices_its_parked_customer(book: BillBook) -> None:
    changed = book.customer(billing_day=1)
    book.service(changed, "60.00", MAY)
    preview = book.run(MAY, preview=True)
    book.line(changed, "9.00", MAY, on=MAY, label="Late fee")
    runner.confirm_preview(book.container, preview.id, actor="test", on=MAY)
    assert book.outcomes(preview.id)[changed].outcome == Outcome.PARKED

    runner.retry_parked(book.container, preview.id, actor="test", on=MAY)

    # parked customers "can be re-run once fixed" (SPEC §8): the confirmed run issues, it
    # does not leave a draft that nothing can confirm any more
    outcome = book.outcomes(preview.id)[changed]
    drafts = book.documents_of(changed, state=DocState.DRAFT)
    assert (outcome.outcome, len(drafts)) == (Outcome.INVOICED, 0), (
        "retry_parked on a confirmed preview made a draft in a completed run instead of an "
        f"invoice: outcome {outcome.outcome}, drafts {[d.id for d in drafts]}"
    )
    assert book.only_invoice(changed).total.amount == Decimal("69.00")


# -- voids -----------------------------------------------------------------------------------


def test_cancelling_the_last_recurring_invoice_lets_the_next_run_bill_its_days(
    book: BillBook,
) -> None:
    customer = book.customer(billing_day=1)
    fibre = book.service(customer, "60.00", MAY)
    book.run(MAY)

    voided = book.cancel_last(customer, on=D(2026, 5, 2))

    assert voided.state is DocState.VOID
    assert book.get_service(fibre).billed_through is None
    assert book.charges(fibre) == []
    assert book.balance(customer, D(2026, 5, 2)) == Decimal("0.00")
    book.run(JUNE)
    # May again with June: 60 + 60
    assert lines(book.only_invoice(customer)) == [Line("120.00", "120.00", MAY, D(2026, 6, 30))]

    # the latest one only: voiding July's gives July back, June stays billed
    book.run(D(2026, 7, 1))
    book.cancel_last(customer, on=D(2026, 7, 2))
    assert book.get_service(fibre).billed_through == D(2026, 6, 30)
    book.run(D(2026, 8, 1))
    assert lines(book.invoices(customer)[-1]) == [
        Line("120.00", "120.00", D(2026, 7, 1), D(2026, 8, 31))
    ]
    check_books(book.container)


def test_voiding_an_older_service_invoice_is_refused_while_a_later_one_bills_the_service(
    book: BillBook,
) -> None:
    customer = book.customer(billing_day=1)
    fibre = book.service(customer, "60.00", MAY)
    book.run(MAY)
    book.run(JUNE)
    may, june = book.invoices(customer)

    # runs bill forward from billed_through: a void of May while June follows would leave May
    # billed by no invoice, so it is refused, and nothing changes
    with pytest.raises(InvalidState, match="later invoice"):
        book.void(may.id, on=D(2026, 6, 2), reason="sent to the wrong address")
    assert book.get_service(fibre).billed_through == D(2026, 6, 30)

    # voiding the later invoice first, then the earlier one, gives May back: July's run
    # bills May, June and July again, once each
    book.void(june.id, on=D(2026, 6, 2), reason="wrong price")
    book.void(may.id, on=D(2026, 6, 2), reason="wrong price")
    assert book.get_service(fibre).billed_through is None
    book.run(D(2026, 7, 1))
    billed = book.charges(fibre)
    assert billed[0][0] == MAY
    assert book.get_service(fibre).billed_through == D(2026, 7, 31)
    check_books(book.container)


# -- worker processes ------------------------------------------------------------------------


@contextmanager
def _twin(container: Container, folder: Path) -> Iterator[Container]:
    """A second database holding the same data (a file copy, or a PostgreSQL template copy)."""
    engine = container.engine
    if engine.dialect.name == "sqlite":
        target = folder / "twin.db"
        backup_sqlite(engine, target)
        twin = Container(Config(f"sqlite:///{target}"))
        try:
            yield twin
        finally:
            twin.dispose()
        return
    source = engine.url.database
    name = f"{source}_twin"
    admin = engine.url.set(drivername="postgresql", database="postgres")
    conninfo = admin.render_as_string(hide_password=False)
    engine.dispose()
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    url = engine.url.set(database=name).render_as_string(hide_password=False)
    twin = Container(Config(url))
    try:
        yield twin
    finally:
        twin.dispose()
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _billed(book: BillBook, customers: list[int]) -> dict[int, Any]:
    """Per customer: its documents (state, date, totals, lines; numbers aside) and how far
    each of its services is billed."""
    found: dict[int, Any] = {}
    for customer in customers:
        docs = [
            (
                d.state,
                d.document_date,
                str(d.total.amount),
                str(d.account_balance.amount if d.account_balance else None),
                [
                    (
                        i.description,
                        str(i.net.amount),
                        str(i.tax.amount),
                        i.period_start,
                        i.period_end,
                        i.service_id,
                        i.transaction_id,
                    )
                    for i in d.items
                ],
            )
            for d in book.documents_of(customer)
        ]
        billed = [(s.id, s.billed_through) for s in _services(book, customer)]
        found[customer] = (docs, billed)
    return found


def _services(book: BillBook, customer: int) -> list[Any]:
    with book.container.uow(actor="test", write=False) as uow:
        return uow.services.of_customer(customer)


def test_two_workers_make_the_same_invoices_as_one(book: BillBook, tmp_path: Path) -> None:
    customers = []
    for k in range(12):
        proration = ("daily", "thirty_day", "none")[k % 3]
        customer = book.customer(billing_day=1, proration=proration)
        customers.append(customer)
        start = D(2026, 4, 1 + 2 * k)
        book.service(customer, f"{30 + 7 * k}.99", start, rate=("0", "20", "5.5")[k % 3])
        if k % 4 == 0:
            book.line(customer, "12.50", D(2026, 4, 28), on=D(2026, 4, 28), label="Router")
        if k % 5 == 0:
            book.pay(customer, "20.00", on=D(2026, 4, 28))
    free = book.customer(billing_day=1)
    book.service(free, "0.00", D(2026, 4, 1))
    customers.append(free)
    customers.append(book.customer(billing_day=1))  # nothing to bill

    with _twin(book.container, tmp_path) as twin:
        one = BillBook(twin)
        single = one.run(MAY, workers=1)
        expected = _billed(one, customers)
        outcomes = {c: (o.outcome, o.reason) for c, o in one.outcomes(single.id).items()}
        numbers = sorted(d.number or "" for c in customers for d in one.invoices(c))

    run = book.run(MAY, workers=2)

    assert run.status is RunStatus.COMPLETED
    assert {c: (o.outcome, o.reason) for c, o in book.outcomes(run.id).items()} == outcomes
    assert _billed(book, customers) == expected
    assert sorted(d.number or "" for c in customers for d in book.invoices(c)) == numbers
    assert len(numbers) == 12  # the free plan and the empty account make none
    check_books(book.container)
