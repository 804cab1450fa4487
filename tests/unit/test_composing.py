"""What goes on an invoice (SPEC §4, §5): typed items, then debit lines, then credit lines oldest
first as far as the total stays at or above zero; the credit line that would go below is split.
Every amount below is worked out by hand in the comments."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest

from solde.billing.composing import Composition, compose, parse_items, split_credit
from solde.billing.documents import Item
from solde.domain.errors import InvalidInput
from solde.domain.money import Money
from solde.ledger.model import Kind, Origin, State, Transaction, TxType

CENT = Decimal("0.01")


def _eur(text: str) -> Money:
    return Money(Decimal(text), "EUR")


def line(tx_id: int, kind: str, net: str, rate: str = "0", day: date | None = None) -> Transaction:
    """An unbilled line of one unit; tax = net × rate / 100 rounded half-up."""
    net_d, rate_d = Decimal(net), Decimal(rate)
    tax_d = (net_d * rate_d / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    gross = _eur(str(net_d + tax_d))
    return Transaction(
        id=tx_id,
        customer_id=1,
        kind=Kind(kind),
        type=TxType.CHARGE if kind == "debit" else TxType.GIFT,
        label=f"line {tx_id}",
        date=day or date(2026, 3, 1),
        amount=gross,
        net=_eur(net),
        tax=_eur(str(tax_d)),
        tax_rate=rate_d,
        quantity=Decimal(1),
        unit_price=net_d,
        state=State.UNBILLED,
        open_amount=gross,
        origin=Origin.UNBILLED,
        entered_on=date(2026, 3, 1),
    )


def typed(price: str, rate: str = "0", quantity: str = "1") -> Item:
    (item,) = parse_items(
        [{"description": "typed", "quantity": quantity, "unit_price": price, "tax_rate": rate}],
        currency="EUR",
    )
    return item


def _check_sums(c: Composition) -> None:
    """The document's totals are the sums of its items, and net + tax = gross everywhere."""
    assert c.total == sum((i.gross for i in c.items), _eur("0"))
    assert c.net == sum((i.net for i in c.items), _eur("0"))
    assert c.tax == sum((i.tax for i in c.items), _eur("0"))
    assert c.net + c.tax == c.total
    assert all(i.net + i.tax == i.gross for i in c.items)
    assert not c.total.is_negative()


def test_credit_lines_are_taken_oldest_first() -> None:
    newer = line(1, "credit", "30.00", day=date(2026, 3, 5))
    older = line(2, "credit", "50.00", day=date(2026, 3, 1))
    # 100.00 − 50.00 (1 March) − 30.00 (5 March) = 20.00
    c = compose([typed("100.00")], [newer, older], currency="EUR")
    _check_sums(c)
    assert c.total == _eur("20.00")
    assert [i.transaction_id for i in c.items] == [None, 2, 1]
    assert [i.gross for i in c.items] == [_eur("100.00"), _eur("-50.00"), _eur("-30.00")]
    assert {x.id for x in c.billed} == {1, 2}
    assert c.split is None


def test_the_oldest_credit_line_goes_first_even_if_a_newer_one_would_fit() -> None:
    older = line(1, "credit", "80.00", day=date(2026, 3, 1))
    newer = line(2, "credit", "10.00", day=date(2026, 3, 2))
    # 50.00 of debit; the 80.00 credit (oldest) is split at 50.00; the 10.00 one waits
    c = compose([typed("50.00")], [newer, older], currency="EUR")
    _check_sums(c)
    assert c.total == _eur("0.00")
    assert c.split is not None
    assert c.split.line.id == 1
    assert c.split.gross == _eur("50.00")
    assert [x.id for x in c.billed] == []
    assert [i.transaction_id for i in c.items] == [None, 1]


def test_a_split_at_20_percent_keeps_net_plus_tax_exact_on_both_parts() -> None:
    debit = line(1, "debit", "27.78", "20")  # tax 5.556 -> 5.56, gross 33.34
    credit = line(2, "credit", "100.00", "20")  # tax 20.00, gross 120.00
    c = compose([], [credit, debit], currency="EUR")
    _check_sums(c)
    assert c.total == _eur("0.00")
    split = c.split
    assert split is not None
    # billed part: gross 33.34; net = 33.34 × 100 / 120 = 27.7833… -> 27.78; tax = 5.56
    assert (split.gross, split.net, split.tax) == (_eur("33.34"), _eur("27.78"), _eur("5.56"))
    # the remainder: gross 120.00 − 33.34 = 86.66, net 100.00 − 27.78 = 72.22, tax 14.44
    rest_gross = credit.amount - split.gross
    rest_net = credit.net - split.net
    rest_tax = credit.tax - split.tax
    assert (rest_gross, rest_net, rest_tax) == (_eur("86.66"), _eur("72.22"), _eur("14.44"))
    assert rest_net + rest_tax == rest_gross
    last = c.items[-1]
    assert (last.gross, last.net, last.tax) == (_eur("-33.34"), _eur("-27.78"), _eur("-5.56"))
    assert last.transaction_id == 2
    assert [x.id for x in c.billed] == [1]


def test_a_split_with_rounding_at_20_percent() -> None:
    # 33.33 to zero: net = 33.33 × 100 / 120 = 27.775 -> 27.78 (half-up); tax = 33.33 − 27.78 = 5.55
    split = split_credit(line(9, "credit", "100.00", "20"), _eur("33.33"))
    assert (split.net, split.tax) == (_eur("27.78"), _eur("5.55"))
    assert split.net + split.tax == _eur("33.33")
    # the remainder: 120.00 − 33.33 = 86.67 = 72.22 + 14.45
    assert _eur("100.00") - split.net == _eur("72.22")
    assert _eur("20.00") - split.tax == _eur("14.45")


def test_a_split_at_5_5_percent_keeps_net_plus_tax_exact_on_both_parts() -> None:
    credit = line(2, "credit", "19.99", "5.5")  # tax 1.09945 -> 1.10, gross 21.09
    assert credit.amount == _eur("21.09")
    c = compose([typed("10.00")], [credit], currency="EUR")
    _check_sums(c)
    assert c.total == _eur("0.00")
    split = c.split
    assert split is not None
    # 10.00 to zero: net = 10.00 × 100 / 105.5 = 9.4786… -> 9.48; tax = 10.00 − 9.48 = 0.52
    assert (split.gross, split.net, split.tax) == (_eur("10.00"), _eur("9.48"), _eur("0.52"))
    # the remainder: 21.09 − 10.00 = 11.09 = (19.99 − 9.48 = 10.51) + (1.10 − 0.52 = 0.58)
    assert credit.net - split.net == _eur("10.51")
    assert credit.tax - split.tax == _eur("0.58")
    assert (credit.net - split.net) + (credit.tax - split.tax) == credit.amount - split.gross


def test_a_credit_line_that_brings_the_total_exactly_to_zero_is_billed_whole() -> None:
    exact = line(1, "credit", "50.00", day=date(2026, 3, 1))
    later = line(2, "credit", "5.00", day=date(2026, 3, 2))
    # 50.00 − 50.00 = 0.00: the first is billed whole, nothing left for the second (no split)
    c = compose([typed("50.00")], [later, exact], currency="EUR")
    _check_sums(c)
    assert c.total == _eur("0.00")
    assert [x.id for x in c.billed] == [1]
    assert c.split is None
    assert [i.transaction_id for i in c.items] == [None, 1]


def test_credit_lines_all_wait_when_there_is_nothing_to_debit() -> None:
    credits = [line(1, "credit", "10.00"), line(2, "credit", "0.01", "20")]
    c = compose([], credits, currency="EUR")
    assert c.items == ()
    assert c.billed == ()
    assert c.split is None
    assert c.total == _eur("0.00")


def test_credit_lines_wait_behind_a_zero_invoice() -> None:
    # typed 10.00 − 10.00 discount = 0.00: no room for the credit line, which is not split
    c = compose([typed("10.00"), typed("-10.00")], [line(1, "credit", "3.00")], currency="EUR")
    assert c.total == _eur("0.00")
    assert c.billed == ()
    assert c.split is None


def test_typed_items_below_zero_are_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        compose([typed("10.00"), typed("-10.01")], [], currency="EUR")
    assert [(e.field, e.code) for e in caught.value.errors] == [("items", "negative_total")]


def test_a_discount_may_lower_debit_lines_but_not_below_zero() -> None:
    # −15.00 discount + 20.00 debit line = 5.00
    c = compose([typed("-15.00")], [line(1, "debit", "20.00")], currency="EUR")
    _check_sums(c)
    assert c.total == _eur("5.00")
    with pytest.raises(InvalidInput):
        compose([typed("-25.00")], [line(1, "debit", "20.00")], currency="EUR")


def test_typed_items_come_first_then_debit_lines_then_credit_lines_each_oldest_first() -> None:
    lines = [
        line(5, "credit", "1.00", day=date(2026, 3, 4)),
        line(4, "debit", "2.00", day=date(2026, 3, 9)),
        line(3, "credit", "1.00", day=date(2026, 3, 2)),
        line(2, "debit", "2.00", day=date(2026, 3, 1)),
        line(1, "debit", "2.00", day=date(2026, 3, 9)),  # same day as 4: by id
    ]
    c = compose([typed("7.00"), typed("3.00", "20")], lines, currency="EUR")
    _check_sums(c)
    assert [i.transaction_id for i in c.items] == [None, None, 2, 1, 4, 3, 5]
    # 7.00 + 3.60 + 3 × 2.00 − 2 × 1.00 = 14.60
    assert c.total == _eur("14.60")
    assert c.net == _eur("14.00")
    assert c.tax == _eur("0.60")


def test_a_credit_line_item_carries_negative_amounts_and_its_line() -> None:
    c = compose([typed("100.00")], [line(7, "credit", "10.00", "20")], currency="EUR")
    credit = c.items[-1]
    # 10.00 at 20 %: 12.00 gross, shown negative
    assert (credit.net, credit.tax, credit.gross) == (
        _eur("-10.00"),
        _eur("-2.00"),
        _eur("-12.00"),
    )
    assert credit.unit_price == Decimal("-10.00")
    assert credit.transaction_id == 7
    assert not credit.is_typed
    assert c.total == _eur("88.00")


# -- typed items as a user sends them -----------------------------------------------------------


def test_parse_items_computes_each_line_with_its_tax() -> None:
    items = parse_items(
        [
            {"description": "Hours", "quantity": "2.5", "unit_price": "40", "tax_rate": "20"},
            {"description": "Book", "unit_price": "9.99", "tax_rate": "5.5"},
        ],
        currency="EUR",
    )
    # 2.5 × 40 = 100.00, tax 20.00; 9.99 × 5.5 % = 0.54945 -> 0.55
    assert [(i.net, i.tax, i.gross) for i in items] == [
        (_eur("100.00"), _eur("20.00"), _eur("120.00")),
        (_eur("9.99"), _eur("0.55"), _eur("10.54")),
    ]
    assert items[1].quantity == Decimal(1)


def _errors(value: object) -> list[tuple[str, str]]:
    with pytest.raises(InvalidInput) as caught:
        parse_items(value, currency="EUR")
    return [(e.field, e.code) for e in caught.value.errors]


def test_parse_items_names_every_bad_field_by_its_place() -> None:
    errors = _errors(
        [
            {"description": "ok", "unit_price": "1"},
            {"unit_price": "1"},
            {"description": "x", "quantity": "0", "unit_price": "1", "tax_rate": "101"},
            {"description": "x"},
            {"description": "x", "unit_price": "1.0000001", "colour": "red"},
            "not an item",
        ]
    )
    assert sorted(errors) == sorted(
        [
            ("items.1.description", "required"),
            ("items.2.quantity", "out_of_range"),
            ("items.2.tax_rate", "out_of_range"),
            ("items.3.unit_price", "required"),
            ("items.4.colour", "unknown_field"),
            ("items.4.unit_price", "too_many_decimals"),
            ("items.5", "not_an_object"),
        ]
    )


def test_parse_items_refuses_what_is_not_a_list() -> None:
    assert _errors({"description": "x", "unit_price": "1"}) == [("items", "not_a_list")]
    assert _errors("1 item") == [("items", "not_a_list")]


def test_parse_items_refuses_floats_and_more_decimals_than_a_unit_price_may_have() -> None:
    assert _errors([{"description": "x", "unit_price": 0.1}]) == [
        ("items.0.unit_price", "not_a_decimal")
    ]
    assert _errors([{"description": "x", "unit_price": "0.0000001"}]) == [
        ("items.0.unit_price", "too_many_decimals")
    ]
