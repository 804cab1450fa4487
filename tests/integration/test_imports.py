"""CSV imports through `solde.imports.run`, on both databases (SPEC §13): each kind creates
what its rows say, a second import of the same file creates nothing, customers update where
values differ, a dry run and a file with any bad row change nothing at all, and every bad row
is reported with its line and column."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import books
import pytest
from sqlalchemy import select

from solde.bootstrap import Container
from solde.imports import MAX_ERRORS, ImportRejected, ImportReport, run
from solde.ledger import usecases as ledger
from solde.storage.tables import audit_log, customers, metadata, services, transactions

ON = books.ON  # 2026-03-10


class Importer:
    """Runs imports as the entry points do: one unit of work, committed when kept."""

    def __init__(self, container: Container) -> None:
        self.container = container
        self.book = books.Book(container)

    def __call__(self, kind: str, text: str | bytes, *, dry_run: bool = False) -> ImportReport:
        data = text.encode() if isinstance(text, str) else text
        with self.container.uow(actor="test") as uow:
            report = run(uow, kind, data, dry_run=dry_run, on=ON)
            if report.kept:
                uow.commit()
        return report

    def rejected(self, kind: str, text: str | bytes) -> list[tuple[int | None, str | None, str]]:
        """The faults of a refused file, after checking that nothing changed."""
        before = self.everything()
        with pytest.raises(ImportRejected) as caught:
            self(kind, text)
        assert self.everything() == before
        return [(e.line, e.column, e.code) for e in caught.value.report.errors]

    def everything(self) -> tuple[Any, ...]:
        """Every stored row of every table."""
        with self.container.engine.connect() as connection:
            return tuple(
                tuple(tuple(r) for r in connection.execute(select(t).order_by(*t.primary_key)))
                for t in metadata.sorted_tables
            )

    def customer(self, ref: str) -> Any:
        with self.container.uow(actor="test", write=False) as uow:
            found = uow.customers.id_of_external_ref(ref)
            assert found is not None
            return ledger.get_customer(uow, found)

    def balance(self, ref: str) -> tuple[Decimal, Decimal, int, Decimal]:
        """Balance, awaiting confirmation, unbilled count and unbilled gross."""
        customer = self.customer(ref)
        with self.container.uow(actor="test", write=False) as uow:
            b = ledger.get_balance(uow, customer.id, as_of=ON)
        return (b.balance.amount, b.awaiting_confirmation.amount, b.unbilled.count,
                b.unbilled.gross.amount)  # fmt: skip

    def rows(self, table: Any) -> list[Any]:
        with self.container.engine.connect() as connection:
            return list(connection.execute(select(table).order_by(*table.primary_key)))


@pytest.fixture
def imp(container: Container) -> Importer:
    return Importer(container)


CUSTOMERS = """\
external_ref;name;email;currency;segment;payment_method;credit_limit;billing_day;city;country
C1;Acme SARL;billing@acme.example;EUR;pro;SEPA debit;1 500,00;10;Paris;fr
C2;Beta GmbH;;EUR;;bank_transfer;;;Berlin;DE
C3;Gamma Ltd;;GBP;;card;;;;
"""


def seeded(imp: Importer) -> None:
    assert imp("customers", CUSTOMERS).created == 3


def test_customers_are_created_with_their_settings_and_address(imp: Importer) -> None:
    report = imp("customers", CUSTOMERS)
    assert (report.rows, report.created, report.updated, report.skipped) == (3, 3, 0, 0)
    acme = imp.customer("C1").details
    assert (acme.name, acme.email, acme.currency, acme.segment) == (
        "Acme SARL", "billing@acme.example", "EUR", "pro"
    )  # fmt: skip
    assert acme.payment_method.value == "sepa_debit"
    assert acme.billing.credit_limit == Decimal("1500.00")
    assert acme.billing.billing_day == 10
    assert (acme.billing_address.city, acme.billing_address.country) == ("Paris", "FR")
    assert imp.customer("C3").details.billing.credit_limit is None  # follows the default


def test_a_second_import_skips_identical_customers_and_updates_those_that_differ(
    imp: Importer,
) -> None:
    seeded(imp)
    before = [tuple(r) for r in imp.rows(customers)]
    again = imp("customers", CUSTOMERS)
    assert (again.created, again.updated, again.skipped) == (0, 0, 3)
    assert [tuple(r) for r in imp.rows(customers)] == before
    changed = "external_ref,name,credit_limit,postal_code\nC1,Acme SA,1500,75001\nC2,Beta GmbH,,\n"
    report = imp("customers", changed)
    assert (report.created, report.updated, report.skipped) == (0, 1, 1)
    acme = imp.customer("C1").details
    assert acme.name == "Acme SA"
    # the address given in part keeps the parts the file does not name
    assert (acme.billing_address.city, acme.billing_address.postal_code) == ("Paris", "75001")
    assert acme.billing.billing_day == 10


def test_a_customer_with_entries_cannot_change_currency(imp: Importer) -> None:
    seeded(imp)
    imp("balances", "customer,amount\nC2,10\n")
    faults = imp.rejected("customers", "external_ref,currency\nC2,USD\nC3,EUR\n")
    assert faults == [(2, "currency", "invalid_state")]
    imp("customers", "external_ref,currency\nC3,EUR\n")  # no entries yet: it may
    assert imp.customer("C3").currency == "EUR"


def test_every_bad_customer_row_is_reported_and_nothing_is_kept(imp: Importer) -> None:
    seeded(imp)
    text = (
        "external_ref;name;currency;billing_day;email;credit_limit\n"
        "C4;Delta;EUR;31;;\n"
        "C5;;EUR;;;\n"
        "C6;Zeta;XYZ;;not-an-email;\n"
        "C4;Delta again;EUR;;;\n"
        "C7;Eta;JPY;;;10,5\n"
        ";Theta;EUR;;;\n"
        "C8;Iota;EUR;;;1,234\n"
    )
    assert imp.rejected("customers", text) == [
        (2, "billing_day", "out_of_range"),
        (3, "name", "required"),
        (4, "currency", "unknown_currency"),
        (4, "email", "invalid_email"),
        (5, "external_ref", "duplicate"),
        (6, "credit_limit", "too_many_decimals"),
        (7, "external_ref", "required"),
        (8, "credit_limit", "ambiguous_number"),
    ]


SERVICES = """customer,external_ref,description,unit_price,quantity,tax_rate,start_date,end_date
C1,S1,Fibre 1 Gbit/s,"29,90",1,20,01/03/2026,
C1,S2,Static IP,5,2,20,2026-03-01,31/12/2026
C2,S1,Fibre 500,"1 000,00",1,19,2026-04-01,
"""


def test_services_are_created_once_whatever_the_number_of_imports(imp: Importer) -> None:
    seeded(imp)
    report = imp("services", SERVICES)
    assert (report.created, report.skipped) == (3, 0)
    again = imp("services", SERVICES)
    assert (again.created, again.skipped) == (0, 3)
    stored = [
        (r.customer_id, r.external_ref, r.description, r.unit_price_e6, r.quantity_e6)
        for r in imp.rows(services)
    ]
    acme, beta = imp.customer("C1").id, imp.customer("C2").id
    assert stored == [
        (acme, "S1", "Fibre 1 Gbit/s", 29_900_000, 1_000_000),
        (acme, "S2", "Static IP", 5_000_000, 2_000_000),
        (beta, "S1", "Fibre 500", 1_000_000_000, 1_000_000),
    ]


def test_bad_service_rows_are_reported_by_line_and_column(imp: Importer) -> None:
    seeded(imp)
    beta = imp.customer("C2").id
    text = (
        "customer,customer_id,external_ref,description,unit_price,start_date,end_date\n"
        "NOPE,,S1,Fibre,10,,\n"
        f",{beta},S1,Fibre,10,2026-03-01,2026-02-01\n"
        f",{beta},S1,Fibre,10,,\n"
        ",999999,S9,Fibre,10,,\n"
        "C1,,S3,,abc,,\n"
        f"C1,{beta},S4,Fibre,10,,\n"
    )
    assert imp.rejected("services", text) == [
        (2, "customer", "invalid"),
        (3, "end_date", "before_start"),
        (4, "external_ref", "duplicate"),
        (5, "customer_id", "not_found"),
        (6, "unit_price", "not_a_number"),
        (7, "customer", "invalid"),
    ]


TRANSACTIONS = """\
customer;external_ref;type;kind;label;date;amount;unit_price;quantity;tax_rate;\
bill_on_next_invoice;method;status
C1;T1;charge;;Installation;01/03/2026;;100,00;1;20;no;;
C1;T2;charge;;Router rental;05/03/2026;;2,50;4;20;yes;;
C1;T3;payment;;;06/03/2026;50,00;;;;;bank_transfer;
C1;T4;adjustment;credit;Goodwill;07/03/2026;15;;;;no;;
C1;T5;payment;;;08/03/2026;30;;;;;sepa_debit;pending
C2;T1;adjustment;debit;Late fee;02/03/2026;1 234,56;;;;no;;
C2;T2;payment;;;03/03/2026;1.234,56;;;;;;
C2;T3;gift;;Loyalty;04/03/2026;10;;;;;;
"""


def test_transactions_leave_the_balances_their_amounts_add_up_to(imp: Importer) -> None:
    seeded(imp)
    report = imp("transactions", TRANSACTIONS)
    assert (report.rows, report.created, report.skipped) == (8, 8, 0)
    # computed here from the file: C1 posts 120.00 (100 + 20% tax) − 50.00 − 15.00; the router
    # (4 × 2.50 + 20%) waits for an invoice; the pending 30.00 awaits confirmation
    assert imp.balance("C1") == (Decimal("55.00"), Decimal("-30.00"), 1, Decimal("12.00"))
    # C2: 1234.56 − 1234.56 posted; the gift of 10 is an unbilled credit line by default
    assert imp.balance("C2") == (Decimal("0.00"), Decimal("0.00"), 1, Decimal("-10.00"))
    refs = sorted((r.customer_id, r.external_ref) for r in imp.rows(transactions))
    acme, beta = imp.customer("C1").id, imp.customer("C2").id
    assert refs == sorted(
        [(acme, f"T{i}") for i in range(1, 6)] + [(beta, f"T{i}") for i in (1, 2, 3)]
    )


def test_importing_transactions_again_skips_what_is_there_and_adds_the_rest(
    imp: Importer,
) -> None:
    seeded(imp)
    imp("transactions", TRANSACTIONS)
    before = imp.balance("C1"), imp.balance("C2")
    more = TRANSACTIONS + "C2;T4;charge;;Extra;09/03/2026;;5;;;no;;\n"
    report = imp("transactions", more)
    assert (report.created, report.skipped) == (1, 8)
    assert imp.balance("C1") == before[0]
    assert imp.balance("C2")[0] == before[1][0] + Decimal("5.00")
    assert len(imp.rows(transactions)) == 9


def test_bad_transaction_rows_are_reported_and_nothing_is_kept(imp: Importer) -> None:
    seeded(imp)
    text = (
        "customer,external_ref,type,kind,label,date,amount,method\n"
        "C1,T1,charge,,Setup,2026-03-01,10,\n"
        "C1,T1,charge,,Setup again,2026-03-01,10,\n"  # the same key twice
        "C1,T2,adjustment,,No kind,2026-03-01,10,\n"
        "C1,T3,charge,,Too late,2026-03-20,10,\n"  # posted charges bill on next invoice
        "C1,T4,payment,,,2026-03-11,10,\n"  # a confirmed payment after today
        "C1,T5,refund,,,2026-03-05,500,\n"  # more than the credit
        "C1,T6,charge,,Setup,2026-03-01,10,cash\n"  # a method on a line
        "C1,T7,invoice,debit,Invoice,2026-03-01,10,\n"  # invoices are documents
        'C3,T8,payment,,,2026-03-05,"10,001",\n'  # too many decimals
        "C1,,charge,,No key,2026-03-01,10,\n"
        "C1,T9,,debit,No type,2026-03-01,10,\n"
    )
    assert imp.rejected("transactions", text) == [
        (3, "external_ref", "duplicate"),
        (4, "kind", "required"),
        (6, "date", "in_future"),
        (7, "amount", "insufficient_credit"),
        (8, "method", "not_applicable"),
        (9, "type", "invalid_choice"),
        (10, "amount", "ambiguous_number"),
        (11, "external_ref", "required"),
        (12, "type", "required"),
    ]


def test_opening_balances_post_once_as_adjustments(imp: Importer) -> None:
    seeded(imp)
    text = (
        "customer;amount;date;label\nC1;1 250,40;31/12/2025;\nC2;-80;;Credit carried over\nC3;0;;\n"
    )
    report = imp("balances", text)
    assert (report.created, report.skipped) == (2, 1)  # a zero balance posts nothing
    assert imp.balance("C1")[0] == Decimal("1250.40")
    assert imp.balance("C2")[0] == Decimal("-80.00")
    stored = {(r.customer_id, r.external_ref): r for r in imp.rows(transactions)}
    c1, c2 = imp.customer("C1").id, imp.customer("C2").id
    assert set(stored) == {(c1, "opening-balance"), (c2, "opening-balance")}
    first, second = stored[c1, "opening-balance"], stored[c2, "opening-balance"]
    assert (first.type, first.kind) == ("adjustment", "debit")
    assert first.date == date(2025, 12, 31)
    assert first.label == "Opening balance"
    assert (second.kind, second.date) == ("credit", ON)
    assert second.label == "Credit carried over"
    again = imp("balances", text)
    assert (again.created, again.skipped) == (0, 3)
    assert imp.balance("C1")[0] == Decimal("1250.40")


def test_an_opening_balance_stays_once_after_the_customer_gets_a_reference(
    imp: Importer,
) -> None:
    customer_id = imp.book.customer()  # no external reference yet
    text = f"customer_id;amount;date\n{customer_id};100,00;30/11/2025\n"
    assert imp("balances", text).created == 1
    assert imp("balances", text).skipped == 1
    imp.book(ledger.update_customer, customer_id, {"external_ref": "LATER-1"})
    again = imp("balances", text)
    assert (again.created, again.skipped) == (0, 1)
    with imp.container.uow(actor="test", write=False) as uow:
        assert ledger.get_balance(uow, customer_id, as_of=ON).balance.amount == Decimal("100.00")


def test_bad_opening_balances_are_reported(imp: Importer) -> None:
    seeded(imp)
    text = "customer,amount,date\nC1,10.001,\nC2,5,2026-03-11\nC3,,\nC1,7,\n"
    assert imp.rejected("balances", text) == [
        (2, "amount", "too_many_decimals"),
        (3, "date", "in_future"),
        (4, "amount", "required"),
        (5, "external_ref", "duplicate"),  # C1's default key, opening-balance, is on line 2
    ]


def test_a_dry_run_reports_what_it_would_do_and_changes_nothing(imp: Importer) -> None:
    seeded(imp)
    before = imp.everything()
    for kind, text in (("services", SERVICES), ("transactions", TRANSACTIONS),
                       ("balances", "customer,amount\nC1,5\n"),
                       ("customers", "external_ref,name\nC1,Renamed\nC9,New\n")):  # fmt: skip
        report = imp(kind, text, dry_run=True)
        assert report.dry_run
        assert not report.kept
        assert report.created > 0
        assert imp.everything() == before, kind
    assert imp("customers", "external_ref,name\nC1,Renamed\nC9,New\n", dry_run=True).updated == 1


def test_a_kept_import_is_in_the_audit_log(imp: Importer) -> None:
    seeded(imp)
    entries = [(r.action, r.details) for r in imp.rows(audit_log) if r.action.startswith("import.")]
    assert entries == [
        ("import.customers", {"rows": 3, "created": 3, "updated": 0, "skipped": 0,
                              "bytes": len(CUSTOMERS.encode())}),
    ]  # fmt: skip


def test_errors_past_the_cap_are_counted_not_listed(imp: Importer) -> None:
    rows = "".join(f"X{i},Name,ZZZ\n" for i in range(MAX_ERRORS + 50))
    with pytest.raises(ImportRejected) as caught:
        imp("customers", "external_ref,name,currency\n" + rows)
    report = caught.value.report
    assert (len(report.errors), report.error_count) == (MAX_ERRORS, MAX_ERRORS + 50)
    assert report.errors[0].line == 2
