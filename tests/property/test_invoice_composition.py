"""What goes on an invoice, for any typed items and unbilled lines (SPEC §4, §5). Pure: no
database.

Whatever the items and lines, `compose` either refuses typed items and debit lines that add up
below zero, or gives an invoice whose total is at or above zero and equals the sum of its items;
every debit line is billed; credit lines are billed oldest first, and the first one that does not
fit is split so that the invoice comes exactly to zero, the rest of it keeping net + tax = gross.
Expected figures are worked out here in integers of minor units, never read from the code.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solde.billing.composing import compose, split_credit
from solde.billing.documents import Item
from solde.domain.errors import InvalidInput
from solde.domain.money import Money
from solde.ledger.model import Kind, Origin, State, Transaction, TxType

EXPONENT = {"EUR": 2, "JPY": 0, "KWD": 3}
RATES = (Decimal(0), Decimal("5.5"), Decimal(20), Decimal("8.875"), Decimal(100))
DAY = date(2026, 3, 1)


def _round(value: Decimal, currency: str) -> int:
    """Half-up to the currency, in minor units."""
    return int(value.scaleb(EXPONENT[currency]).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _money(minor: int, currency: str) -> Money:
    return Money.from_minor(minor, currency)


def _line(tx_id: int, kind: str, net: int, rate: Decimal, day: date, currency: str) -> Transaction:
    """An unbilled line of one unit; tax = net × rate / 100 rounded half-up."""
    tax = _round(Decimal(net).scaleb(-EXPONENT[currency]) * rate / 100, currency)
    gross = net + tax
    return Transaction(
        id=tx_id,
        customer_id=1,
        kind=Kind(kind),
        type=TxType.CHARGE if kind == "debit" else TxType.GIFT,
        label=f"line {tx_id}",
        date=day,
        amount=_money(gross, currency),
        net=_money(net, currency),
        tax=_money(tax, currency),
        tax_rate=rate,
        quantity=Decimal(1),
        unit_price=Decimal(net).scaleb(-EXPONENT[currency]),
        state=State.UNBILLED,
        open_amount=_money(gross, currency),
        origin=Origin.UNBILLED,
        entered_on=DAY,
    )


def _item(net: int, rate: Decimal, currency: str) -> Item:
    tax = _round(Decimal(net).scaleb(-EXPONENT[currency]) * rate / 100, currency)
    return Item(
        description="typed",
        quantity=Decimal(1),
        unit_price=Decimal(net).scaleb(-EXPONENT[currency]),
        tax_rate=rate,
        net=_money(net, currency),
        tax=_money(tax, currency),
        gross=_money(net + tax, currency),
    )


@st.composite
def invoices(draw: Any) -> tuple[str, list[Item], list[Transaction]]:
    """A currency, typed items (some negative: discounts) and unbilled lines of mixed kinds,
    dates and tax rates (ids unique, dates often equal so that ids order them)."""
    currency = draw(st.sampled_from(sorted(EXPONENT)))
    typed = [
        _item(net, draw(st.sampled_from(RATES)), currency)
        for net in draw(st.lists(st.integers(-5_000, 50_000), max_size=3))
    ]
    lines = []
    specs = draw(
        st.lists(
            st.tuples(
                st.sampled_from(("debit", "credit", "credit")),
                st.integers(1, 40_000),
                st.sampled_from(RATES),
                st.integers(0, 4),
            ),
            max_size=7,
        )
    )
    ids = draw(st.permutations(range(1, len(specs) + 1)))
    for tx_id, (kind, net, rate, offset) in zip(ids, specs, strict=True):
        lines.append(_line(tx_id, kind, net, rate, DAY + timedelta(days=offset), currency))
    return currency, typed, lines


def _minor(money: Money) -> int:
    return money.minor


@settings(max_examples=400, deadline=None)
@given(invoices())
def test_any_invoice_is_at_or_above_zero_and_bills_credit_lines_oldest_first(
    drawn: tuple[str, list[Item], list[Transaction]],
) -> None:
    currency, typed, lines = drawn
    debits = sorted((x for x in lines if x.kind is Kind.DEBIT), key=lambda x: (x.date, x.id))
    credits = sorted((x for x in lines if x.kind is Kind.CREDIT), key=lambda x: (x.date, x.id))
    start = sum(_minor(i.gross) for i in typed) + sum(_minor(x.amount) for x in debits)
    if start < 0:
        with pytest.raises(InvalidInput) as refused:
            compose(typed, lines, currency=currency)
        assert [(e.field, e.code) for e in refused.value.errors] == [("items", "negative_total")]
        return
    c = compose(typed, lines, currency=currency)

    # the expected outcome, by hand: credit lines oldest first while they fit
    total, taken, split = start, [], None
    for line in credits:
        if _minor(line.amount) <= total:
            taken.append(line.id)
            total -= _minor(line.amount)
        else:
            split = (line.id, total) if total > 0 else None
            total = 0
            break
    assert _minor(c.total) == total >= 0
    assert [x.id for x in c.billed] == [x.id for x in debits] + taken
    assert (None if c.split is None else (c.split.line.id, _minor(c.split.gross))) == split
    if len(taken) < len(credits):  # a credit line waits only behind an invoice of zero
        assert c.total.is_zero()
    expected_items = [None] * len(typed) + [x.id for x in debits] + taken
    expected_items += [split[0]] if split else []
    assert [i.transaction_id for i in c.items] == expected_items

    # the document adds up, line by line
    assert _minor(c.total) == sum(_minor(i.gross) for i in c.items)
    assert _minor(c.net) == sum(_minor(i.net) for i in c.items)
    assert _minor(c.tax) == sum(_minor(i.tax) for i in c.items)
    assert c.net + c.tax == c.total
    assert all(i.net + i.tax == i.gross for i in c.items)


@st.composite
def splits(draw: Any) -> tuple[Transaction, int]:
    currency = draw(st.sampled_from(sorted(EXPONENT)))
    rate = draw(st.sampled_from(RATES))
    net = draw(st.integers(1, 10_000_000))
    line = _line(1, "credit", net, rate, DAY, currency)
    amount = _minor(line.amount)
    if amount < 2:
        return line, 0
    return line, draw(st.integers(1, amount - 1))


@settings(max_examples=400, deadline=None)
@given(splits())
def test_a_split_credit_line_keeps_net_plus_tax_exact_in_both_parts(
    drawn: tuple[Transaction, int],
) -> None:
    line, gross = drawn
    if gross == 0:
        return
    split = split_credit(line, _money(gross, line.currency))
    assert _minor(split.gross) == gross
    assert split.net + split.tax == split.gross
    rest_net, rest_tax = line.net - split.net, line.tax - split.tax
    assert rest_net + rest_tax == line.amount - split.gross
    # neither part takes more net or tax than the line has, nor less than nothing
    assert 0 <= _minor(split.net) <= _minor(line.net)
    assert 0 <= _minor(split.tax) <= _minor(line.tax)
    if line.tax_rate == 0:
        assert split.tax.is_zero()
    # the billed part's tax follows the line's rate to within one minor unit
    expected_tax = Decimal(_minor(split.net)) * line.tax_rate / 100
    assert abs(Decimal(_minor(split.tax)) - expected_tax) <= 1
