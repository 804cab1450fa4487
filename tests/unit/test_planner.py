"""The settlement plan of SPEC §6: open credits, oldest first, settle open debits — a named debit
first, then standalone debits oldest first, then invoices in order of creation."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from solde.domain.money import Money
from solde.ledger.model import Kind, Origin, State, Transaction, TxType
from solde.settlement.planner import PlannedAllocation, plan

D = date(2026, 3, 1)
CUSTOMER = 7


def tx(
    ident: int,
    kind: Kind,
    amount: str,
    *,
    tx_type: TxType | None = None,
    day: date = D,
    open_amount: str | None = None,
    state: State = State.OPEN,
    customer_id: int = CUSTOMER,
    currency: str = "EUR",
) -> Transaction:
    """A transaction as the planner sees it (amounts positive, with a kind)."""
    money = Money.parse(amount, currency)
    kind_type = tx_type or (TxType.CHARGE if kind is Kind.DEBIT else TxType.PAYMENT)
    return Transaction(
        id=ident,
        customer_id=customer_id,
        kind=kind,
        type=kind_type,
        label=f"{kind_type.value} {ident}",
        date=day,
        amount=money,
        net=money,
        tax=Money.zero(currency),
        tax_rate=Decimal(0),
        quantity=Decimal(1),
        unit_price=money.amount,
        state=state,
        open_amount=Money.parse(open_amount, currency) if open_amount is not None else money,
        origin=Origin.POSTED,
        entered_on=day,
    )


def debit(ident: int, amount: str, **kwargs: object) -> Transaction:
    return tx(ident, Kind.DEBIT, amount, **kwargs)  # type: ignore[arg-type]


def invoice(ident: int, amount: str, **kwargs: object) -> Transaction:
    return tx(ident, Kind.DEBIT, amount, tx_type=TxType.INVOICE, **kwargs)  # type: ignore[arg-type]


def credit(ident: int, amount: str, **kwargs: object) -> Transaction:
    return tx(ident, Kind.CREDIT, amount, **kwargs)  # type: ignore[arg-type]


def steps(planned: list[PlannedAllocation]) -> list[tuple[int, int, str]]:
    """(credit id, debit id, amount) of each planned allocation, in order."""
    return [(p.credit_id, p.debit_id, str(p.amount)) for p in planned]


def day(n: int) -> date:
    return D + timedelta(days=n)


# -- examples ---------------------------------------------------------------------------------


def test_nothing_is_planned_without_debits() -> None:
    assert plan([credit(1, "50"), credit(2, "10")]) == []


def test_nothing_is_planned_without_credits() -> None:
    assert plan([debit(1, "50"), invoice(2, "10")]) == []


def test_nothing_is_planned_for_no_items() -> None:
    assert plan([]) == []


def test_a_credit_settles_a_debit_of_the_same_amount() -> None:
    assert steps(plan([debit(1, "30"), credit(2, "30")])) == [(2, 1, "30.00")]


def test_spec_example_charge_before_invoice() -> None:
    # SPEC §6: a charge of 80.00 and an invoice of 30.00; a payment of 80.00 settles the charge
    # and leaves the invoice unpaid.
    items = [invoice(1, "30", day=day(-10)), debit(2, "80", day=day(-5)), credit(3, "80")]
    assert steps(plan(items)) == [(3, 2, "80.00")]
    # a second payment of 30.00 pays the invoice
    settled_charge = debit(2, "80", day=day(-5), open_amount="0", state=State.CLOSED)
    used_payment = credit(3, "80", open_amount="0", state=State.CLOSED)
    items = [invoice(1, "30", day=day(-10)), settled_charge, used_payment, credit(4, "30")]
    assert steps(plan(items)) == [(4, 1, "30.00")]


def test_partial_allocation_leaves_the_debit_open() -> None:
    assert steps(plan([debit(1, "80"), credit(2, "50")])) == [(2, 1, "50.00")]


def test_overpayment_leaves_credit_and_never_overpays() -> None:
    planned = plan([invoice(1, "30"), credit(2, "100")])
    assert steps(planned) == [(2, 1, "30.00")]


def test_oldest_credit_is_used_first() -> None:
    items = [debit(1, "40"), credit(2, "30", day=day(2)), credit(3, "30", day=day(1))]
    assert steps(plan(items)) == [(3, 1, "30.00"), (2, 1, "10.00")]


def test_credits_of_the_same_date_go_by_id() -> None:
    items = [debit(1, "40"), credit(9, "30"), credit(4, "30")]
    assert steps(plan(items)) == [(4, 1, "30.00"), (9, 1, "10.00")]


def test_standalone_debits_before_invoices_even_older_invoices() -> None:
    items = [
        invoice(1, "20", day=day(-30)),
        debit(2, "15", day=day(-1), tx_type=TxType.COLLECTION_COST),
        debit(3, "10", day=day(-2), tx_type=TxType.REFUND),
        credit(4, "40"),
    ]
    assert steps(plan(items)) == [(4, 3, "10.00"), (4, 2, "15.00"), (4, 1, "15.00")]


def test_every_standalone_debit_type_comes_before_invoices() -> None:
    standalone = [TxType.CHARGE, TxType.CHARGEBACK, TxType.COLLECTION_COST, TxType.REFUND]
    items = [invoice(1, "5", day=day(-100))]
    items += [debit(10 + i, "5", day=day(i), tx_type=t) for i, t in enumerate(standalone)]
    items += [debit(20, "5", day=day(9), tx_type=TxType.ADJUSTMENT), credit(30, "25")]
    planned = plan(items)
    assert [p.debit_id for p in planned] == [10, 11, 12, 13, 20]


def test_standalone_debits_of_one_date_go_by_id() -> None:
    items = [debit(8, "10"), debit(3, "10"), debit(5, "10"), credit(1, "25", day=day(1))]
    assert steps(plan(items)) == [(1, 3, "10.00"), (1, 5, "10.00"), (1, 8, "5.00")]


def test_invoices_by_document_date_then_number() -> None:
    items = [
        invoice(7, "10", day=day(-1)),
        invoice(5, "10", day=day(-3)),
        invoice(6, "10", day=day(-3)),
        credit(1, "25"),
    ]
    assert steps(plan(items)) == [(1, 5, "10.00"), (1, 6, "10.00"), (1, 7, "5.00")]


def test_several_credits_fill_several_debits_in_order() -> None:
    items = [
        debit(1, "30", day=day(0)),
        debit(2, "30", day=day(1)),
        credit(3, "20", day=day(0)),
        credit(4, "50", day=day(1)),
    ]
    assert steps(plan(items)) == [(3, 1, "20.00"), (4, 1, "10.00"), (4, 2, "30.00")]


def test_preferred_debit_is_settled_first_and_the_rest_follows_the_order() -> None:
    items = [
        debit(1, "10", day=day(-9)),
        invoice(2, "30", day=day(-8)),
        invoice(3, "30", day=day(-1)),
        credit(4, "50"),
    ]
    planned = plan(items, preferred={4: 3})
    assert steps(planned) == [(4, 3, "30.00"), (4, 1, "10.00"), (4, 2, "10.00")]


def test_preferred_debit_smaller_credit_goes_only_there() -> None:
    items = [debit(1, "10", day=day(-9)), invoice(2, "30"), credit(3, "20")]
    assert steps(plan(items, preferred={3: 2})) == [(3, 2, "20.00")]


def test_preference_applies_only_to_the_credit_that_names_it() -> None:
    items = [
        debit(1, "10", day=day(-9)),
        invoice(2, "30"),
        credit(3, "10", day=day(-1)),
        credit(4, "10"),
    ]
    assert steps(plan(items, preferred={4: 2})) == [(3, 1, "10.00"), (4, 2, "10.00")]


def test_preferred_debit_that_is_not_open_is_ignored() -> None:
    paid = invoice(2, "30", open_amount="0", state=State.CLOSED)
    items = [debit(1, "10"), paid, credit(3, "10")]
    assert steps(plan(items, preferred={3: 2})) == [(3, 1, "10.00")]


def test_preferred_id_that_is_a_credit_or_unknown_is_ignored() -> None:
    items = [debit(1, "10"), credit(2, "5"), credit(3, "5")]
    assert steps(plan(items, preferred={2: 3, 3: 99})) == [(2, 1, "5.00"), (3, 1, "5.00")]


def test_only_open_amounts_are_settled() -> None:
    items = [debit(1, "100", open_amount="25"), credit(2, "80", open_amount="40")]
    assert steps(plan(items)) == [(2, 1, "25.00")]


def test_items_that_are_not_posted_or_not_open_are_left_alone() -> None:
    items = [
        debit(1, "10", state=State.UNBILLED),
        debit(2, "10", state=State.PENDING),
        debit(3, "10", state=State.VOID),
        debit(4, "10", state=State.BILLED),
        debit(5, "10", open_amount="0", state=State.CLOSED),
        credit(6, "10", state=State.PENDING),
        credit(7, "10", state=State.UNBILLED),
        credit(8, "10", state=State.VOID),
        credit(9, "10", day=day(1)),
        debit(10, "10", day=day(5)),
    ]
    assert steps(plan(items)) == [(9, 10, "10.00")]


def test_plan_works_in_the_customer_currency() -> None:
    items = [debit(1, "1000", currency="JPY"), credit(2, "300", currency="JPY")]
    (step,) = plan(items)
    assert step.amount == Money.parse("300", "JPY")


# -- properties -------------------------------------------------------------------------------

DEBIT_TYPES = [
    TxType.INVOICE,
    TxType.CHARGE,
    TxType.REFUND,
    TxType.CHARGEBACK,
    TxType.COLLECTION_COST,
    TxType.ADJUSTMENT,
]
CREDIT_TYPES = [TxType.PAYMENT, TxType.CREDIT_NOTE, TxType.ADJUSTMENT, TxType.GIFT]


@st.composite
def open_items(draw: st.DrawFn) -> tuple[list[Transaction], dict[int, int]]:
    """Random open debits and credits of one customer, some partly settled, and preferences."""
    customer_id = draw(st.integers(min_value=1, max_value=5))
    count = draw(st.integers(min_value=0, max_value=12))
    items: list[Transaction] = []
    for ident in draw(
        st.lists(st.integers(1, 10_000), min_size=count, max_size=count, unique=True)
    ):
        kind = draw(st.sampled_from([Kind.DEBIT, Kind.CREDIT]))
        tx_type = draw(st.sampled_from(DEBIT_TYPES if kind is Kind.DEBIT else CREDIT_TYPES))
        amount_minor = draw(st.integers(min_value=1, max_value=50_000))
        open_minor = draw(st.integers(min_value=0, max_value=amount_minor))
        items.append(
            tx(
                ident,
                kind,
                str(Money.from_minor(amount_minor, "EUR")),
                tx_type=tx_type,
                day=day(draw(st.integers(min_value=-40, max_value=0))),
                open_amount=str(Money.from_minor(open_minor, "EUR")),
                state=State.CLOSED if open_minor == 0 else State.OPEN,
                customer_id=customer_id,
            )
        )
    ids = [t.id for t in items]
    preferred: dict[int, int] = {}
    if ids:
        preferred = draw(st.dictionaries(st.sampled_from(ids), st.sampled_from(ids), max_size=4))
    return items, preferred


def _open_total(items: list[Transaction], kind: Kind) -> Money:
    total = Money.zero("EUR")
    for t in items:
        if t.kind is kind:
            total = total + t.open_amount
    return total


@settings(max_examples=200, deadline=None)
@given(open_items())
def test_plan_settles_as_much_as_possible_and_never_too_much(
    case: tuple[list[Transaction], dict[int, int]],
) -> None:
    items, preferred = case
    by_id = {t.id: t for t in items}
    planned = plan(items, preferred=preferred)
    used: dict[int, Money] = defaultdict(lambda: Money.zero("EUR"))
    for step in planned:
        credit_tx, debit_tx = by_id[step.credit_id], by_id[step.debit_id]
        assert credit_tx.kind is Kind.CREDIT
        assert debit_tx.kind is Kind.DEBIT
        assert credit_tx.customer_id == debit_tx.customer_id
        assert step.amount.is_positive()
        used[step.credit_id] += step.amount
        used[step.debit_id] += step.amount
    for ident, amount in used.items():
        assert amount <= by_id[ident].open_amount
    total = Money.zero("EUR")
    for step in planned:
        total += step.amount
    expected = _open_total(items, Kind.DEBIT).min(_open_total(items, Kind.CREDIT))
    assert total == expected


@settings(max_examples=150, deadline=None)
@given(open_items())
def test_plan_without_preferences_follows_the_spec_order(
    case: tuple[list[Transaction], dict[int, int]],
) -> None:
    items, _ = case
    planned = plan(items)
    used: dict[int, Money] = defaultdict(lambda: Money.zero("EUR"))
    for step in planned:
        used[step.credit_id] += step.amount
        used[step.debit_id] += step.amount
    open_debits = sorted(
        (t for t in items if t.kind is Kind.DEBIT and t.open_amount.is_positive()),
        key=lambda t: (t.type is TxType.INVOICE, t.date, t.id),
    )
    open_credits = sorted(
        (t for t in items if t.kind is Kind.CREDIT and t.open_amount.is_positive()),
        key=lambda t: (t.date, t.id),
    )
    for ordered in (open_debits, open_credits):
        # In order, items are fully used, then at most one partly, then untouched ones.
        filled = [used.get(t.id, Money.zero("EUR")) == t.open_amount for t in ordered]
        touched = [t.id in used for t in ordered]
        first_not_full = filled.index(False) if False in filled else len(ordered)
        assert all(filled[:first_not_full])
        assert not any(touched[first_not_full + 1 :])
    # a credit is consumed in debit order: its allocations name debits in increasing order
    rank = {t.id: i for i, t in enumerate(open_debits)}
    by_credit: dict[int, list[int]] = defaultdict(list)
    for step in planned:
        by_credit[step.credit_id].append(rank[step.debit_id])
    for ranks in by_credit.values():
        assert ranks == sorted(ranks)
