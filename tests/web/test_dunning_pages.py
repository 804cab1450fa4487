"""Dunning in the back office: a customer's dunning calendar on its page, moving (and
withdrawing) its next block date, the Dunning page of a date, and the Dunning section of the
settings — with exact dates and amounts, each refusal shown in its form, roles, CSRF, and
malformed input that changes nothing.

The customer of most tests: `payment_due_days` 10 and an invoice of €50.00 dated 1 June 2026,
so due on 11 June and blocked from 12 June (SPEC §9's example); the deactivation date, 30 days
after the block, is Sunday 12 July and moves to Monday 13 July.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from webclient import Web
from webhtml import (
    after_redirect,
    audit,
    errors_shown,
    field_error,
    field_value,
    flash,
    form_error,
    htmx_get,
    is_whole_page,
    parse,
    set_locale,
    snapshot,
    submit,
    us_date,
)

from solde.billing import usecases as billing
from solde.dunning import usecases as dunning
from solde.ledger import usecases as ledger
from solde.ledger.dunning_settings import DunningSettings
from solde.storage.api_keys import Role

CSRF_REFUSED = "This form has expired or did not come from solde. Reload the page and try again."
VIEWER_REFUSED = "Your role (viewer) may look at everything but change nothing."
ADMIN_ONLY = "Only an administrator may change settings."
JUNE_1 = "2026-06-01"
BLOCK_DAY = date(2026, 6, 12)


def invoice(web: Web, cid: int, day: str = JUNE_1, price: str = "50.00") -> Any:
    body = {
        "type": "one_time",
        "date": day,
        "items": [{"description": "Plan", "unit_price": price}],
    }
    return web.book.run(billing.create_invoice, cid, body, on=web.book.today())


def overdue(web: Web, name: str = "Ada Lovelace", **billing_settings: Any) -> tuple[int, Any]:
    """A customer owing €50.00 on an invoice of 1 June 2026 due 10 days later."""
    cid = web.book.customer(name, billing={"payment_due_days": 10, **billing_settings})
    return cid, invoice(web, cid)


def calendar(doc: Any) -> dict[str, str]:
    """The figures of a customer's Dunning section, by their test id."""
    section = doc.by_id("customer-dunning")
    names = (
        "dunning-status",
        "dunning-balance",
        "dunning-pending",
        "billing-due-date",
        "next-block-date",
        "next-deactivation-date",
    )
    found = {name: section.testid(name).text for name in names}
    action = section.find(**{"data-testid": "dunning-action"})
    found["action"] = action.text if action is not None else ""
    return found


def reminders(doc: Any) -> list[tuple[str, ...]]:
    table = doc.by_id("customer-dunning").find("table")
    if table is None:
        return []
    return [tuple(td.text for td in tr.find_all("td")) for tr in table.one("tbody").find_all("tr")]


def dunning_settings(web: Web) -> DunningSettings:
    with web.container.uow(actor="test", write=False) as uow:
        return uow.settings.get().dunning


def set_dunning(web: Web, **changes: Any) -> None:
    web.book.run(
        ledger.update_settings,
        {"dunning": changes},
        is_timezone=lambda _name: True,
        on=web.book.today(),
    )


# -- the calendar on the customer page ------------------------------------------------------


def test_the_calendar_of_an_overdue_customer_as_of_its_invoice_date(web: Web) -> None:
    cid, inv = overdue(web)
    doc = parse(web.page(f"/customers/{cid}?dunning_as_of={JUNE_1}"))
    section = doc.by_id("customer-dunning")
    assert section.one("h2").text == "Dunning as of Jun 1, 2026"
    assert section.one("input", name="dunning_as_of").get("value") == JUNE_1
    assert calendar(doc) == {
        "dunning-status": "Active",
        "dunning-balance": "€50.00, over the credit limit of €0.00",
        "dunning-pending": "€0.00",
        "billing-due-date": f"Jun 11, 2026 · {inv.number}",
        "next-block-date": "Jun 12, 2026",
        "next-deactivation-date": "Jul 13, 2026",
        "action": "",
    }
    link = section.testid("billing-due-date").one("a")
    assert link.get("href") == f"/invoices/{inv.id}"
    assert reminders(doc) == [
        (inv.number, "1", "Jun 4, 2026", "3", "", ""),
        (inv.number, "2", "Jun 8, 2026", "7", "", ""),
        (inv.number, "3", "Jun 15, 2026", "14", "", ""),
    ]
    assert section.find(**{"data-testid": "dunning-exempt"}) is None


def test_on_the_block_date_the_calendar_says_the_daily_cycle_blocks(web: Web) -> None:
    cid, _inv = overdue(web)
    doc = parse(web.page(f"/customers/{cid}?dunning_as_of=2026-06-11"))
    assert calendar(doc)["action"] == ""
    doc = parse(web.page(f"/customers/{cid}?dunning_as_of=2026-06-12"))
    shown = calendar(doc)
    assert shown["next-block-date"] == "Jun 12, 2026"
    assert shown["action"] == "The daily cycle of Jun 12, 2026 blocks the customer."
    assert [r[3] for r in reminders(doc)] == ["-8", "-4", "3"]


def test_the_as_of_field_asks_for_the_section_alone_with_htmx(web: Web) -> None:
    cid, _inv = overdue(web)
    doc = parse(web.page(f"/customers/{cid}"))
    form = doc.by_id("customer-dunning").one("form")
    assert (form.get("method"), form.get("hx-get"), form.get("hx-target")) == (
        "get",
        f"/customers/{cid}/dunning",
        "#customer-dunning",
    )
    today = web.book.today()
    assert form.one("input").get("value") == today.isoformat()
    response = htmx_get(
        web, f"/customers/{cid}/dunning?dunning_as_of=2026-06-12", "customer-dunning"
    )
    assert response.status_code == 200
    assert not is_whole_page(response.text)
    part = parse(response.text)
    assert calendar(part)["action"] == "The daily cycle of Jun 12, 2026 blocks the customer."
    # without htmx, the address leads to the customer page with the section as of that date
    plain = web.get(f"/customers/{cid}/dunning?dunning_as_of=2026-06-12")
    assert plain.status_code == 303
    assert plain.headers["location"] == (
        f"/customers/{cid}?dunning_as_of=2026-06-12#customer-dunning"
    )


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("2026-02-30", "must be a date (YYYY-MM-DD)"),
        ("yesterday", "must be a date (YYYY-MM-DD)"),
        ("3000-01-01", "must be between 1900-01-01 and 2999-12-31"),
        ("2026-06-01\x00", "must be a date (YYYY-MM-DD)"),
    ],
)
def test_a_wrong_as_of_date_is_said_and_the_calendar_shows_the_pages_date(
    web: Web, typed: str, error: str
) -> None:
    cid, _inv = overdue(web)
    before = snapshot(web.container)
    response = web.get(f"/customers/{cid}", params={"dunning_as_of": typed})
    assert response.status_code == 200
    section = parse(response.text).by_id("customer-dunning")
    assert section.by_id("dunning-as-of-error").text == error
    assert section.one("input", name="dunning_as_of").get("value") == typed
    assert section.one("h2").text == f"Dunning as of {us_date(web.book.today())}"
    query = urlencode({"dunning_as_of": typed})
    part = htmx_get(web, f"/customers/{cid}/dunning?{query}", "customer-dunning")
    assert part.status_code == 200
    assert error in part.text
    assert snapshot(web.container) == before


def test_the_balance_card_date_is_the_calendars_date_too(web: Web) -> None:
    cid, _inv = overdue(web)
    doc = parse(web.page(f"/customers/{cid}?as_of=2026-06-12"))
    assert calendar(doc)["action"] == "The daily cycle of Jun 12, 2026 blocks the customer."
    doc = parse(web.page(f"/customers/{cid}?as_of=2026-05-31"))
    shown = calendar(doc)
    assert (shown["dunning-balance"], shown["billing-due-date"]) == (
        "€0.00, within the credit limit of €0.00",
        "None: no invoice is open",
    )


def test_a_customer_blocked_by_dunning_then_deactivated(web: Web) -> None:
    cid, _inv = overdue(web)
    assert web.book.run(dunning.review, cid, BLOCK_DAY).value == "block"
    today = web.book.today()
    doc = parse(web.page(f"/customers/{cid}"))
    assert calendar(doc) == {
        "dunning-status": "Blocked by dunning on Jun 12, 2026",
        "dunning-balance": "€50.00, over the credit limit of €0.00",
        "dunning-pending": "€0.00",
        "billing-due-date": calendar(doc)["billing-due-date"],
        "next-block-date": "None: the customer is blocked",
        "next-deactivation-date": "Jul 13, 2026",
        "action": f"The daily cycle of {us_date(today)} deactivates the customer.",
    }
    assert "Set next block date" not in doc.by_id("customer-dunning").text
    doc = parse(web.page(f"/customers/{cid}?dunning_as_of=2026-07-12"))
    assert calendar(doc)["action"] == ""
    assert web.book.run(dunning.review, cid, date(2026, 7, 13)).value == "deactivate"
    shown = calendar(parse(web.page(f"/customers/{cid}")))
    assert shown["dunning-status"] == "Inactive by dunning"
    assert shown["next-block-date"] == "None: the customer is inactive"


def test_a_customer_blocked_by_hand(web: Web) -> None:
    cid, _inv = overdue(web)
    web.book.run(ledger.update_customer, cid, {"status": "blocked"})
    shown = calendar(parse(web.page(f"/customers/{cid}")))
    assert shown["dunning-status"] == "Blocked by hand: dunning does not lift it"
    assert shown["next-deactivation-date"] == "None: blocked by hand"
    assert shown["action"] == ""


def test_an_exempt_customer(web: Web) -> None:
    cid, _inv = overdue(web, "Exempt Ltd", dunning_enabled=False)
    doc = parse(web.page(f"/customers/{cid}?dunning_as_of=2026-06-12"))
    section = doc.by_id("customer-dunning")
    assert section.testid("dunning-exempt").text.startswith("Exempt Dunning is off")
    shown = calendar(doc)
    assert (shown["next-block-date"], shown["next-deactivation-date"], shown["action"]) == (
        "None: exempt",
        "None",
        "",
    )
    assert reminders(doc) == []
    assert "None: exempt." in section.text
    assert "Set next block date" not in section.text


def test_reminders_off_sent_reminders_and_fees(web: Web) -> None:
    set_dunning(web, reminder_fees={"EUR": ["0", "5.00", "10.00"]})
    quiet, _ = overdue(web, "Quiet", reminders=False)
    doc = parse(web.page(f"/customers/{quiet}"))
    assert "Reminders are off for this customer." in doc.by_id("customer-dunning").text
    cid, inv = overdue(web)
    assert web.book.run(dunning.remind, cid, date(2026, 6, 4)) is not None
    doc = parse(web.page(f"/customers/{cid}?dunning_as_of=2026-06-05"))
    assert reminders(doc) == [
        (inv.number, "1", "Jun 4, 2026", "-1", "Jun 4, 2026", ""),
        (inv.number, "2", "Jun 8, 2026", "3", "", "€5.00"),
        (inv.number, "3", "Jun 15, 2026", "10", "", "€10.00"),
    ]


def test_a_payment_awaiting_the_bank_counts_as_paid(web: Web) -> None:
    cid, _inv = overdue(web)
    web.book.pay(cid, "50.00", status="pending")  # entered today: awaiting the bank from today
    shown = calendar(parse(web.page(f"/customers/{cid}")))
    assert shown["dunning-balance"] == "€50.00, within the credit limit of €0.00"
    assert shown["dunning-pending"] == "€50.00 (counts as paid here)"
    assert shown["action"] == ""


# -- the next block date --------------------------------------------------------------------


def move_path(cid: int) -> str:
    return f"/customers/{cid}/next-block-date"


def test_moving_the_next_block_date(web: Web) -> None:
    cid, _inv = overdue(web)
    today = web.book.today()
    chosen = _weekday(today + timedelta(days=10))
    page = parse(web.page(f"/customers/{cid}"))
    link = page.by_id("customer-dunning").one("a", class_="button")
    assert link.text == "Set next block date"
    assert link.get("hx-target") == "#panel"
    form_page = link.get("href")
    doc = parse(web.page(form_page))
    assert doc.one("h1").text == "Set next block date"
    assert field_value(doc, "date") == ""
    assert "Jun 12, 2026" in doc.testid("block-dates").text
    response = submit(
        web,
        form_page,
        move_path(cid),
        {"date": chosen.isoformat(), "reason": "Payment promised by phone"},
    )
    assert response.headers["location"] == f"/customers/{cid}"
    doc = parse(after_redirect(web, response))
    assert flash(doc) == f"Next block date moved to {us_date(chosen)}."
    shown = calendar(doc)
    assert shown["next-block-date"] == (
        f"{us_date(chosen)} moved by hand to {us_date(chosen)}, set on {us_date(today)} "
        "(computed: Jun 12, 2026)"
    )
    assert shown["action"] == ""
    assert shown["next-deactivation-date"] == us_date(_weekday(chosen + timedelta(days=30)))
    [entry] = audit(web.container, "customer.next_block_date_set")
    assert entry["date"] == chosen.isoformat()
    assert entry["was"] == "2026-06-12"
    assert entry["reason"] == "Payment promised by phone"
    assert entry["_actor"].startswith("web:admin@example.com")
    # the form shows the date moved, and offers to withdraw it
    doc = parse(web.page(form_page))
    assert field_value(doc, "date") == chosen.isoformat()
    assert "Withdraw the next block date" in doc.text


def _weekday(day: date) -> date:
    """`day`, or the Monday after it when it falls on a weekend."""
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def test_a_next_block_date_on_a_weekend_blocks_on_the_monday(web: Web) -> None:
    cid, _inv = overdue(web)
    today = web.book.today()
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
    monday = saturday + timedelta(days=2)
    response = web.post(move_path(cid), {"date": saturday.isoformat()})
    doc = parse(after_redirect(web, response))
    assert flash(doc) == (
        f"Next block date moved to {us_date(saturday)} (a day without blocks: {us_date(monday)})."
    )
    shown = calendar(doc)
    assert shown["next-block-date"] == (
        f"{us_date(monday)} moved by hand to {us_date(saturday)}, set on {us_date(today)} "
        "(computed: Jun 12, 2026)"
    )
    form = parse(web.page(move_path(cid)))
    assert field_value(form, "date") == saturday.isoformat()
    assert f"{us_date(saturday)} (blocks on {us_date(monday)})" in form.testid("block-dates").text
    page = parse(web.page(f"/dunning?date={saturday.isoformat()}"))
    assert lists(page)["block"] == []
    page = parse(web.page(f"/dunning?date={monday.isoformat()}"))
    assert [row[0] for row in lists(page)["block"]] == ["Ada Lovelace"]


def test_withdrawing_the_next_block_date(web: Web) -> None:
    cid, _inv = overdue(web)
    today = web.book.today()
    web.book.run(
        dunning.set_next_block_date, cid, {"date": str(today + timedelta(days=5))}, on=today
    )
    response = submit(web, move_path(cid), f"{move_path(cid)}/withdraw")
    assert response.status_code == 303
    doc = parse(after_redirect(web, response))
    assert flash(doc) == "Next block date withdrawn: the computed dates apply again."
    shown = calendar(doc)
    assert shown["next-block-date"] == "Jun 12, 2026"
    assert shown["action"] == f"The daily cycle of {us_date(today)} blocks the customer."
    assert len(audit(web.container, "customer.next_block_date_withdrawn")) == 1
    # nothing left to withdraw: said in the form, nothing changed
    before = snapshot(web.container)
    again = web.post(f"{move_path(cid)}/withdraw", {"next": f"/customers/{cid}"})
    assert again.status_code == 409
    assert form_error(parse(again.text)) == "the customer has no next block date to withdraw"
    assert snapshot(web.container) == before


def test_the_next_block_date_moves_once_per_billing_period(web: Web) -> None:
    cid, _inv = overdue(web)
    today = web.book.today()
    first = web.post(move_path(cid), {"date": str(today + timedelta(days=3)), "reason": "one"})
    assert first.status_code == 303
    before = snapshot(web.container)
    typed = {"date": str(today + timedelta(days=20)), "reason": "twice"}
    response = web.post(move_path(cid), typed)
    assert response.status_code == 409
    doc = parse(response.text)
    assert (form_error(doc) or "").startswith(
        f"the next block date was already moved on {today.isoformat()}, in this billing period"
    )
    assert (field_value(doc, "date"), field_value(doc, "reason")) == (typed["date"], "twice")
    assert snapshot(web.container) == before


def test_a_blocked_customers_next_block_date_does_not_move(web: Web) -> None:
    cid, _inv = overdue(web)
    web.book.run(dunning.review, cid, BLOCK_DAY)
    before = snapshot(web.container)
    typed = {"date": str(web.book.today() + timedelta(days=3)), "reason": "promised"}
    for htmx in (False, True):
        response = web.post(move_path(cid), typed, htmx=htmx)
        assert response.status_code == 409
        doc = parse(response.text)
        assert form_error(doc) == "the customer is blocked: unblock it or take a payment first"
        assert (field_value(doc, "date"), field_value(doc, "reason")) == (
            typed["date"],
            "promised",
        )
        assert is_whole_page(response.text) is not htmx
    assert snapshot(web.container) == before


@pytest.mark.parametrize(
    ("days", "typed", "error"),
    [
        (-1, None, "must be between {today} and a year later"),
        (367, None, "must be between {today} and a year later"),
        (0, "", "choose the date to block on"),
        (0, "2026-02-30", "must be a date (YYYY-MM-DD)"),
        (0, "12/06/2026", "must be a date (YYYY-MM-DD)"),
        (0, "９" * 10, "must be a date (YYYY-MM-DD)"),
        (0, "x" * 5000, "must be a date (YYYY-MM-DD)"),
    ],
)
def test_a_date_out_of_range_or_malformed_is_refused_next_to_the_field(
    web: Web, days: int, typed: str | None, error: str
) -> None:
    cid, _inv = overdue(web)
    today = web.book.today()
    value = str(today + timedelta(days=days)) if typed is None else typed
    before = snapshot(web.container)
    response = web.post(move_path(cid), {"date": value, "reason": "r" * 480})
    assert response.status_code == 422
    doc = parse(response.text)
    assert errors_shown(doc) == {"date": error.format(today=today.isoformat())}
    assert (field_value(doc, "date"), field_value(doc, "reason")) == (value, "r" * 480)
    assert snapshot(web.container) == before


def test_the_edges_of_the_range_are_accepted(web: Web) -> None:
    today = web.book.today()
    for name, day in (
        ("Today Ltd", today),
        ("Next Year Ltd", dunning.latest_next_block_date(today)),
    ):
        cid, _inv = overdue(web, name)
        response = web.post(move_path(cid), {"date": day.isoformat()})
        assert response.status_code == 303, response.text[:2000]


def test_only_writers_move_the_next_block_date(web: Web) -> None:
    cid, _inv = overdue(web)
    today = web.book.today()
    body = {"date": str(today + timedelta(days=4)), "reason": "promised"}
    viewer = web.as_role(Role.VIEWER)
    page = parse(viewer.page(f"/customers/{cid}"))
    assert "Set next block date" not in page.by_id("customer-dunning").text
    assert viewer.get(move_path(cid)).status_code == 403
    before = snapshot(web.container)
    for path in (move_path(cid), f"{move_path(cid)}/withdraw"):
        for htmx in (False, True):
            response = viewer.post(path, body, htmx=htmx)
            assert response.status_code == 403
            assert VIEWER_REFUSED in response.text
    for token in ("", "wrong"):
        response = web.post(move_path(cid), body, csrf=token)
        assert response.status_code == 403
        assert CSRF_REFUSED in response.text
    assert snapshot(web.container) == before
    billing_user = web.as_role(Role.BILLING)
    assert billing_user.post(move_path(cid), body).status_code == 303


def test_moving_the_date_of_a_customer_that_does_not_exist(web: Web) -> None:
    today = web.book.today()
    for path in (
        "/customers/999/next-block-date",
        "/customers/99999999999999999999/next-block-date",
    ):
        assert web.get(path).status_code == 404
        assert web.post(path, {"date": str(today)}).status_code == 404
    assert htmx_get(web, "/customers/999/dunning", "customer-dunning").status_code == 404


def test_the_panel_sets_the_date_and_refreshes_the_page(web: Web) -> None:
    cid, _inv = overdue(web)
    today = web.book.today()
    panel = htmx_get(web, f"{move_path(cid)}?next=/customers/{cid}", "panel")
    assert panel.status_code == 200
    doc = parse(panel.text)
    form = doc.one("form", action=move_path(cid))
    assert form.get("hx-post") == move_path(cid)
    response = web.post(
        move_path(cid),
        {"date": str(today + timedelta(days=2)), "next": f"/customers/{cid}"},
        htmx=True,
    )
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "solde-changed"
    assert "Next block date moved to" in response.text


# -- the Dunning page -----------------------------------------------------------------------


def lists(doc: Any) -> dict[str, list[tuple[str, ...]]]:
    """Each list of the Dunning page: its rows, by column."""
    found = {}
    for key in ("block", "unblock", "deactivate", "reminders"):
        section = doc.by_id(f"dunning-{key}")
        table = section.find("table")
        rows = [] if table is None else table.one("tbody").find_all("tr")
        found[key] = [tuple(td.text for td in tr.find_all("td")) for tr in rows]
    return found


def test_the_dunning_page_shows_today_by_default(web: Web) -> None:
    doc = parse(web.page("/dunning"))
    assert field_value(doc, "date") == web.book.today().isoformat()
    assert doc.one("a", href="/dunning").get("aria-current") == "page"
    assert (
        "This page changes nothing; the daily cycle applies it" in doc.testid("preview-note").text
    )
    assert lists(doc) == {"block": [], "unblock": [], "deactivate": [], "reminders": []}
    assert "Nobody is blocked." in doc.by_id("dunning-block").text


def test_the_customers_to_block_on_a_date(web: Web) -> None:
    cid, inv = overdue(web)
    overdue(web, "Not yet due", payment_due_days=30)
    assert lists(parse(web.page("/dunning?date=2026-06-11")))["block"] == []
    doc = parse(web.page("/dunning?date=2026-06-12"))
    assert doc.one("h1").text == "Dunning on Jun 12, 2026"
    assert lists(doc)["block"] == [
        ("Ada Lovelace", "€50.00", "€0.00", f"Jun 11, 2026 · {inv.number}", "Jun 12, 2026")
    ]
    row = doc.by_id(f"block-{cid}")
    assert row.one("a", class_="strong").get("href") == (
        f"/customers/{cid}?dunning_as_of=2026-06-12#customer-dunning"
    )
    assert doc.testid("count-block").text == "1"
    # a preview: nobody was blocked
    assert web.book.get_customer(cid).details.status.value == "active"


def test_the_customers_to_unblock_and_to_deactivate(web: Web) -> None:
    cid, inv = overdue(web)
    web.book.run(dunning.review, cid, BLOCK_DAY)
    doc = parse(web.page("/dunning?date=2026-07-13"))
    assert lists(doc)["deactivate"] == [
        (
            "Ada Lovelace",
            "€50.00",
            "€0.00",
            f"Jun 11, 2026 · {inv.number}",
            "Jun 12, 2026",
            "Jul 13, 2026",
        )
    ]
    assert lists(parse(web.page("/dunning?date=2026-07-12")))["deactivate"] == []
    web.book.run(ledger.update_customer, cid, {"billing": {"credit_limit": "100"}})
    doc = parse(web.page("/dunning?date=2026-07-13"))
    assert lists(doc)["unblock"] == [
        ("Ada Lovelace", "€50.00", "€100.00", f"Jun 11, 2026 · {inv.number}", "Jun 12, 2026")
    ]
    assert lists(doc)["deactivate"] == []


def test_the_reminders_due_on_a_date_are_one_message_per_customer(web: Web) -> None:
    set_dunning(web, reminder_fees={"EUR": ["0", "5.00", "10.00"]})
    cid = web.book.customer("Ada Lovelace", billing={"payment_due_days": 10})
    older = invoice(web, cid, "2026-05-28", "20.00")
    newer = invoice(web, cid, JUNE_1)
    doc = parse(web.page("/dunning?date=2026-06-04"))
    assert lists(doc)["reminders"] == [
        (
            "Ada Lovelace",
            f"{older.number} (level 2, €20.00 open), {newer.number} (level 1, €50.00 open)",
            "2",
            "€5.00",
        )
    ]
    assert doc.by_id(f"remind-{cid}").find("a").get("href").startswith(f"/customers/{cid}?")
    doc = parse(web.page("/dunning?date=2026-05-31"))
    assert lists(doc)["reminders"] == [
        ("Ada Lovelace", f"{older.number} (level 1, €20.00 open)", "1", "None")
    ]


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("2026-02-30", "must be a date (YYYY-MM-DD)"),
        ("tomorrow", "must be a date (YYYY-MM-DD)"),
        ("3000-01-01", "must be between 1900-01-01 and 2999-12-31"),
        ("1899-12-31", "must be between 1900-01-01 and 2999-12-31"),
        ("<script>", "must be a date (YYYY-MM-DD)"),
    ],
)
def test_a_wrong_date_on_the_dunning_page_is_said(web: Web, typed: str, error: str) -> None:
    overdue(web)
    before = snapshot(web.container)
    response = web.get("/dunning", params={"date": typed})
    assert response.status_code == 422
    doc = parse(response.text)
    assert field_error(doc, "date") == error
    assert field_value(doc, "date") == typed
    assert doc.find(id="dunning-block") is None
    assert snapshot(web.container) == before


def test_the_far_dates_of_the_range_work(web: Web) -> None:
    overdue(web)
    for day in ("1900-01-01", "2999-12-31"):
        assert web.get(f"/dunning?date={day}").status_code == 200
    cid, _inv = overdue(web, "Far")
    for day in ("1900-01-01", "2999-12-31"):
        assert web.get(f"/customers/{cid}?dunning_as_of={day}").status_code == 200


def test_a_viewer_sees_the_dunning_page(web: Web) -> None:
    overdue(web)
    viewer = web.as_role(Role.VIEWER)
    doc = parse(viewer.page("/dunning?date=2026-06-12"))
    assert len(lists(doc)["block"]) == 1
    assert [f.get("action") for f in doc.find_all("form") if f.get("method") == "post"] == [
        "/logout"
    ]


# -- the settings ---------------------------------------------------------------------------


def save(web: Web, changes: dict[str, str]) -> Any:
    return submit(web, "/settings", "/settings", changes)


def test_the_dunning_settings_are_shown_and_saved(web: Web) -> None:
    doc = parse(web.page("/settings"))
    assert field_value(doc, "dunning.reminder_offsets") == "3, 7, 14"
    assert field_value(doc, "dunning.holidays") == ""
    assert field_value(doc, "dunning.reminder_fees") == ""
    assert field_value(doc, "dunning.holiday_country") == ""
    assert not doc.by_id("f-dunning.block_on_weekends").has("checked")
    options = dict(
        (o.get("value"), o.text) for o in doc.by_id("f-dunning.holiday_country").find_all("option")
    )
    assert options["DE"] == "Germany (DE)"
    assert options["FR"] == "France (FR)"
    response = save(
        web,
        {
            "dunning.block_on_weekends": "on",
            "dunning.holiday_country": "DE",
            "dunning.holiday_subdivision": "by",
            "dunning.holidays": "2026-12-31\r\n\r\n2026-12-24\r\n",
            "dunning.reminder_offsets": "5; 10 20",
            "dunning.reminder_fees": "eur: 0, 2.50, 7\r\nUSD: 1",
        },
    )
    doc = parse(after_redirect(web, response))
    assert flash(doc) == "Settings saved."
    assert dunning_settings(web).as_dict() == {
        "block_on_weekends": True,
        "block_on_holidays": False,
        "holidays": ["2026-12-24", "2026-12-31"],
        "holiday_country": "DE",
        "holiday_subdivision": "BY",
        "reminder_offsets": [5, 10, 20],
        "reminder_fees": {"EUR": ["0.00", "2.50", "7.00"], "USD": ["1.00"]},
    }
    changes = audit(web.container, "settings.updated")[-1]["changes"]
    assert set(changes) == {"dunning"}
    assert doc.by_id("f-dunning.block_on_weekends").has("checked")
    assert field_value(doc, "dunning.holiday_country") == "DE"
    assert field_value(doc, "dunning.holiday_subdivision") == "BY"
    assert field_value(doc, "dunning.holidays") == "2026-12-24\n2026-12-31"
    assert field_value(doc, "dunning.reminder_offsets") == "5, 10, 20"
    assert field_value(doc, "dunning.reminder_fees") == "EUR: 0.00, 2.50, 7.00\nUSD: 1.00"
    assert "for DE: BB, BE" in doc.by_id("h-dunning.holiday_subdivision").text
    # sent back untouched, the form changes nothing
    again = parse(after_redirect(web, save(web, {})))
    assert flash(again) == "Nothing changed."
    # unticking, emptying
    response = save(
        web,
        {
            "dunning.block_on_weekends": "",
            "dunning.holiday_country": "",
            "dunning.holiday_subdivision": "",
            "dunning.holidays": "",
            "dunning.reminder_offsets": "",
            "dunning.reminder_fees": "",
        },
    )
    assert response.status_code == 303
    assert dunning_settings(web) == DunningSettings(reminder_offsets=())


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        (
            {"dunning.reminder_offsets": "7, 3"},
            {"dunning.reminder_offsets": "each reminder must come after the one before it"},
        ),
        (
            {"dunning.reminder_offsets": "3, x, 2.5"},
            {"dunning.reminder_offsets": "“x” must be a whole number"},
        ),
        (
            {"dunning.reminder_offsets": "3, 7, 99999"},
            {"dunning.reminder_offsets": "“99999” must be between 0 and 3650"},
        ),
        (
            {"dunning.holidays": "2026-12-24\n2026-02-30"},
            {"dunning.holidays": "“2026-02-30” must be a date (YYYY-MM-DD)"},
        ),
        (
            {"dunning.reminder_fees": "EUR 5"},
            {"dunning.reminder_fees": "line 1 must be like “EUR: 0, 5.00, 10.00”"},
        ),
        (
            {"dunning.reminder_fees": "EUR: 1\nEUR: 2"},
            {"dunning.reminder_fees": "line 2: EUR is given twice"},
        ),
        (
            {"dunning.reminder_fees": "EUR: 1, 2, 3, 4"},
            {"dunning.reminder_fees": "EUR: has 4 fees for 3 reminder levels"},
        ),
        (
            {"dunning.reminder_fees": "EUR: 1, -5"},
            {"dunning.reminder_fees": "EUR, level 2: a fee cannot be negative"},
        ),
        (
            {"dunning.reminder_fees": "EUR: 1, 2.555"},
            {"dunning.reminder_fees": "EUR, level 2: EUR allows at most 2 decimals"},
        ),
        (
            {"dunning.reminder_fees": "EUR: 1,5"},
            {"dunning.reminder_fees": "EUR, level 1: is not a number; write it like 1,234.56"},
        ),
        (
            {"dunning.holiday_country": "ZZ"},
            {"dunning.holiday_country": "'ZZ' is not a country with a holiday calendar"},
        ),
        (
            {"dunning.holiday_subdivision": "BY"},
            {"dunning.holiday_subdivision": "needs a holiday_country"},
        ),
    ],
)
def test_a_wrong_dunning_setting_is_said_next_to_its_input(
    web: Web, changes: dict[str, str], errors: dict[str, str]
) -> None:
    before = snapshot(web.container)
    typed = {**changes, "timezone": "Europe/Paris", "dunning.block_on_holidays": "on"}
    response = save(web, typed)
    assert response.status_code == 422
    doc = parse(response.text)
    assert errors_shown(doc) == errors
    for name, value in changes.items():
        # a country that is not in the list cannot stay chosen: none is
        kept = "" if name == "dunning.holiday_country" else value
        assert field_value(doc, name) == kept
    assert field_value(doc, "timezone") == "Europe/Paris"
    assert doc.by_id("f-dunning.block_on_holidays").has("checked")
    assert snapshot(web.container) == before


def test_a_subdivision_of_another_country_is_refused(web: Web) -> None:
    set_dunning(web, holiday_country="DE")
    response = save(web, {"dunning.holiday_subdivision": "IDF"})
    assert response.status_code == 422
    error = field_error(parse(response.text), "dunning.holiday_subdivision") or ""
    assert error.startswith("'IDF' is not a subdivision of DE (known: BB, BE")


def test_fees_in_a_locale_with_a_decimal_comma(web: Web) -> None:
    set_locale(web, "fr_FR")
    set_dunning(web, reminder_fees={"EUR": ["0", "5.00", "10.00"]})
    doc = parse(web.page("/settings"))
    assert field_value(doc, "dunning.reminder_fees") == "EUR: 0,00; 5,00; 10,00"
    assert "EUR: 0; 5,00; 10,00" in doc.by_id("h-dunning.reminder_fees").text
    response = save(web, {"dunning.reminder_fees": "EUR: 1,50, 2,75\nCHF: 3"})
    assert response.status_code == 303
    assert dunning_settings(web).as_dict()["reminder_fees"] == {
        "CHF": ["3.00"],
        "EUR": ["1.50", "2.75"],
    }


def test_the_settings_move_the_dates_of_the_calendar(web: Web) -> None:
    cid, _inv = overdue(web)
    assert save(web, {"dunning.block_on_weekends": "on"}).status_code == 303
    shown = calendar(parse(web.page(f"/customers/{cid}?dunning_as_of={JUNE_1}")))
    assert shown["next-deactivation-date"] == "Jul 12, 2026"
    changes = {"dunning.block_on_weekends": "", "dunning.holidays": "2026-06-12"}
    assert save(web, changes).status_code == 303
    shown = calendar(parse(web.page(f"/customers/{cid}?dunning_as_of={JUNE_1}")))
    assert (shown["next-block-date"], shown["next-deactivation-date"]) == (
        "Jun 15, 2026",
        "Jul 15, 2026",
    )
    assert save(web, {"dunning.reminder_offsets": "10"}).status_code == 303
    doc = parse(web.page(f"/customers/{cid}?dunning_as_of={JUNE_1}"))
    assert [r[1:4] for r in reminders(doc)] == [("1", "Jun 11, 2026", "10")]


def test_only_an_administrator_changes_the_dunning_settings(web: Web) -> None:
    billing_user = web.as_role(Role.BILLING)
    doc = parse(billing_user.page("/settings"))
    assert doc.by_id("settings-dunning").has("disabled")
    body = {"dunning.reminder_offsets": "1, 2", "dunning.block_on_weekends": "on"}
    before = snapshot(web.container)
    response = billing_user.post("/settings", body)
    assert response.status_code == 403
    assert ADMIN_ONLY in response.text
    assert web.post("/settings", body, csrf="").status_code == 403
    assert snapshot(web.container) == before


def test_a_huge_or_garbled_dunning_form_changes_nothing(web: Web) -> None:
    before = snapshot(web.container)
    garbage = [
        {
            "dunning.holidays": "\n".join(
                str(date(2000, 1, 1) + timedelta(days=n)) for n in range(2500)
            )
        },
        {"dunning.reminder_offsets": "1 " * 5000},
        {"dunning.reminder_fees": "EUR: " + ", ".join(["1"] * 50)},
        {"dunning.reminder_fees": ":::\n\x00\n"},
        {"dunning.holiday_country": "<script>"},
        {"dunning.holiday_subdivision": "x" * 300},
        {"dunning.block_on_weekends": "maybe"},
    ]
    for changes in garbage:
        response = save(web, changes)
        assert response.status_code < 500, (changes, response.text[:2000])
        if response.status_code == 303:
            # an unticked box sent as anything but "on" reads as unticked: nothing to change
            assert changes == {"dunning.block_on_weekends": "maybe"}
            assert flash(parse(web.page("/settings"))) == "Nothing changed."
        else:
            assert response.status_code == 422
    assert snapshot(web.container) == before
