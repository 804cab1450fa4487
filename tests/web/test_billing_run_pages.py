"""Billing runs in the back office: the list and the new-run form, a run's page (progress that
polls while the run goes on, invoices, parked customers and re-running them), a preview
compared with the previous period then confirmed or discarded, roles, and malformed input."""

from __future__ import annotations

from typing import Any

from webclient import Web, row_count
from webhtml import (
    after_redirect,
    eur,
    field_error,
    field_value,
    flash,
    form_by_action,
    htmx_get,
    is_whole_page,
    parse,
    snapshot,
    submit,
)

from solde import runs
from solde.billing import subscriptions
from solde.storage.api_keys import Role

CSRF_REFUSED = "This form has expired or did not come from solde. Reload the page and try again."
VIEWER_REFUSED = "Your role (viewer) may look at everything but change nothing."
#: Customers bill on the 1st (the default billing day), monthly, in advance.
APRIL, MAY = "2026-04-01", "2026-05-01"


def service(web: Web, cid: int, price: str, **values: Any) -> int:
    body = {"description": "Fibre", "unit_price": price, "start_date": APRIL, **values}
    return int(web.book.run(subscriptions.add_service, cid, body, on=web.book.today()).id)


def start(web: Web, day: str, **options: str) -> Any:
    """Send the new-run form as shown, with the date and options ticked."""
    changes = {"date": day, **options}
    return submit(web, "/billing-runs", "/billing-runs", changes)


def run_id(response: Any) -> int:
    assert response.status_code == 303, response.text[:2000]
    return int(response.headers["location"].rsplit("/", 1)[1])


def counts(doc: Any) -> dict[str, str]:
    """The outcome counts of a run's progress part."""
    return {dd.get("data-outcome"): dd.text for dd in doc.testid("counts").find_all("dd")}


def table(doc: Any, testid: str) -> list[list[str]]:
    return [[td.text for td in tr.find_all("td")] for tr in doc.testid(testid).find_all("tr")][1:]


class April:
    """Three customers billed on 1 April: Same Co 60.00 + 20 % tax, Dearer Co 25.00,
    Leaving Co 10.00 (its service ends on 30 April); Mid-month Co bills on the 15th."""

    def __init__(self, web: Web) -> None:
        self.same = web.book.customer("Same Co")
        self.same_service = service(web, self.same, "60.00", tax_rate="20")
        self.dearer = web.book.customer("Dearer Co")
        self.dearer_service = service(web, self.dearer, "25.00")
        self.leaving = web.book.customer("Leaving Co")
        service(web, self.leaving, "10.00", end_date="2026-04-30")
        self.mid_month = web.book.customer("Mid-month Co", billing={"billing_day": 15})
        service(web, self.mid_month, "99.00")


# -- the list and a run ---------------------------------------------------------------------


def test_a_run_bills_every_customer_whose_billing_day_it_is(web: Web) -> None:
    story = April(web)
    page = parse(web.page("/billing-runs"))
    assert "No billing run yet." in page.text
    form = form_by_action(page, "/billing-runs")
    assert field_value(page, "date") == web.book.today().isoformat()
    ticked = {i.get("name") for i in form.find_all("input", type="checkbox") if i.has("checked")}
    assert ticked == {"skip_zero_invoices"}
    response = start(web, APRIL)
    rid = run_id(response)
    doc = parse(after_redirect(web, response))
    assert flash(doc) == f"Billing run #{rid} of {APRIL}: 3 customer(s) to bill."
    assert doc.one("h1").text == "Billing run of Apr 1, 2026 Completed"
    assert doc.testid("progress").text == "3 / 3"
    assert doc.one("progress").get("value") == "3"
    assert counts(doc) == {"invoiced": "3", "skipped": "0", "parked": "0"}
    assert doc.by_id("run-progress").get("hx-trigger") == ""  # done: no more polling
    made = {row[0]: row[2] for row in table(doc, "made")}
    # Same Co 60.00 + 12.00 tax; Dearer Co 25.00; Leaving Co 10.00; Mid-month Co not today
    assert made == {"Same Co": eur(72), "Dearer Co": eur(25), "Leaving Co": eur(10)}
    link = doc.by_id(f"made-{story.same}").find_all("a")[1]
    invoice = parse(web.page(link.get("href")))
    assert invoice.testid("status").text in ("unpaid", "overdue")
    assert "Apr 1, 2026 – Apr 30, 2026" in invoice.testid("items").text
    assert "None." in doc.by_id("section-parked").text
    assert doc.find("form", action=f"/billing-runs/{rid}/confirm") is None
    listed = parse(web.page("/billing-runs")).by_id(f"run-{rid}")
    cells = [td.text for td in listed.find_all("td")]
    assert cells[:8] == [f"#{rid}", "Apr 1, 2026", "Completed", "No", "3 / 3", "3", "0", "0"]
    # the same date again bills nobody twice and leads to the same run
    again = start(web, APRIL)
    assert run_id(again) == rid
    assert flash(parse(after_redirect(web, again))) == (
        f"Billing run #{rid} of {APRIL}: 0 customer(s) to bill."
    )
    assert row_count(web.container)["documents"] == 3


def test_a_run_page_polls_its_progress_until_the_run_is_done(web: Web) -> None:
    customer = web.book.customer("Polled Co")
    service(web, customer, "20.00")
    today = web.book.today()
    run, todo = runs.open_run(web.container, {"date": APRIL}, actor="test", on=today)
    page = parse(web.page(f"/billing-runs/{run.id}"))
    progress = page.by_id("run-progress")
    assert progress.get("hx-trigger") == "every 2s"
    assert progress.get("hx-get") == f"/billing-runs/{run.id}"
    assert page.testid("progress").text == "0 / 1"
    assert "billing…" in progress.text
    assert page.one("h1").text == "Billing run of Apr 1, 2026 Running"
    assert "None yet." in page.by_id("section-made").text
    polled = htmx_get(web, f"/billing-runs/{run.id}", target="run-progress")
    assert polled.status_code == 200
    assert not is_whole_page(polled.text)
    assert "HX-Refresh" not in polled.headers
    assert parse(polled.text).one(id="run-progress").get("hx-trigger") == "every 2s"
    runs.bill_run(web.container, run, todo, actor="test", on=today)
    done = htmx_get(web, f"/billing-runs/{run.id}", target="run-progress")
    assert done.headers["HX-Refresh"] == "true"  # the page loads again with the results
    fragment = parse(done.text).one(id="run-progress")
    assert fragment.get("hx-trigger") == ""
    assert parse(done.text).testid("progress").text == "1 / 1"


def test_a_customer_whose_billing_fails_is_parked_then_billed_again(web: Web) -> None:
    fine = web.book.customer("Fine Co")
    service(web, fine, "10.00")
    broken = web.book.customer("Broken Co")
    bad = service(web, broken, "999999999", quantity="999999999")
    rid = run_id(start(web, APRIL))
    doc = parse(web.page(f"/billing-runs/{rid}"))
    assert counts(doc) == {"invoiced": "1", "skipped": "0", "parked": "1"}
    assert table(doc, "parked") == [["Broken Co", "amount: is too large"]]
    retry = form_by_action(doc, f"/billing-runs/{rid}/retry")
    assert retry.one("button").text == "Re-run parked"
    still = web.post(f"/billing-runs/{rid}/retry")
    assert flash(parse(after_redirect(web, still))) == (
        "1 parked customer(s) billed again. 1 customer(s) parked: see the reasons below."
    )
    changes = {"unit_price": "50", "quantity": "1"}
    web.book.run(subscriptions.update_service, bad, changes, on=web.book.today())
    fixed = web.post(f"/billing-runs/{rid}/retry")
    doc = parse(after_redirect(web, fixed))
    assert flash(doc) == "1 parked customer(s) billed again."
    assert counts(doc) == {"invoiced": "2", "skipped": "0", "parked": "0"}
    assert {row[0]: row[2] for row in table(doc, "made")} == {
        "Fine Co": eur(10),
        "Broken Co": eur(50),
    }
    assert doc.find("form", action=f"/billing-runs/{rid}/retry") is None


def test_balance_only_accounts_are_invoiced_when_asked(web: Web) -> None:
    owing = web.book.customer("Lines only")
    web.book.line(owing, label="Setup", unit_price="15.00", date="2026-03-20")
    skipped = parse(after_redirect(web, start(web, APRIL, preview="on")))
    assert counts(skipped)["skipped"] == "1"
    asked = start(web, APRIL, preview="on", balance_only_accounts="on")
    doc = parse(after_redirect(web, asked))
    assert "balance-only accounts invoiced" in doc.testid("options").text
    assert {row[0]: row[2] for row in table(doc, "made")} == {"Lines only": eur(15)}


# -- previews -------------------------------------------------------------------------------


def may_preview(web: Web) -> tuple[April, int, int]:
    """April billed; then Dearer Co's price goes up to 30.00 and New Co starts in May."""
    story = April(web)
    run_id(start(web, APRIL))
    changes = {"unit_price": "30.00"}
    web.book.run(subscriptions.update_service, story.dearer_service, changes, on=web.book.today())
    new = web.book.customer("New Co")
    service(web, new, "10.00", start_date=MAY)
    return story, new, run_id(start(web, MAY, preview="on"))


def test_a_preview_is_compared_with_the_previous_period(web: Web) -> None:
    story, new, rid = may_preview(web)
    doc = parse(web.page(f"/billing-runs/{rid}"))
    assert doc.one("h1").text == "Preview of May 1, 2026 Preview"
    assert counts(doc) == {"invoiced": "0", "drafted": "3", "skipped": "1", "parked": "0"}
    drafts = {row[0]: (row[1], row[2]) for row in table(doc, "made")}
    assert set(drafts) == {"Same Co", "Dearer Co", "New Co"}
    assert all(number.startswith("Draft #") for number, _ in drafts.values())
    assert drafts["Dearer Co"][1] == eur(30)
    changes = {dd.get("data-change"): dd.text for dd in doc.testid("change-counts").find_all("dd")}
    assert changes == {"new": "1", "changed": "1", "same": "1", "missing": "1"}
    rows = {tr.get("id"): [td.text for td in tr.find_all("td")] for tr in doc.find_all("tr")}
    # Dearer Co: 30.00 against 25.00 is 20 % more, above the 10 % threshold
    dearer = rows[f"compare-{story.dearer}"]
    assert (dearer[1], dearer[2], dearer[4]) == ("Changed", eur(30), eur(5))
    assert dearer[3].startswith(eur(25) + " ")  # and the previous invoice's number
    assert rows[f"compare-{story.same}"][1:3] == ["Same", eur(72)]
    assert rows[f"compare-{story.same}"][4] == eur(0)
    assert rows[f"compare-{new}"][1:3] == ["New", eur(10)]
    assert rows[f"compare-{story.leaving}"][1:3] == ["Missing", ""]
    draft = doc.by_id(f"compare-{story.dearer}").find_all("a")[1].get("href")
    assert parse(web.page(draft)).testid("status").text == "draft"
    # a threshold of 25 % makes 20 % more the same; one kind of change alone
    wider = parse(web.page(f"/billing-runs/{rid}?threshold=25"))
    assert wider.by_id(f"compare-{story.dearer}").get("data-change") == "same"
    assert field_value(wider, "threshold") == "25"
    only = parse(web.page(f"/billing-runs/{rid}?change=missing"))
    assert [tr.get("id") for tr in only.testid("comparison").find_all("tr")][1:] == [
        f"compare-{story.leaving}"
    ]
    for bad, message in (("abc", "is not a number"), ("-5", "must be 0 or more")):
        shown = parse(web.page(f"/billing-runs/{rid}?threshold={bad}"))
        assert message in (field_error(shown, "threshold") or "")
        assert field_value(shown, "threshold") == bad
        assert shown.by_id(f"compare-{story.dearer}").get("data-change") == "changed"


def test_a_confirmed_preview_issues_the_invoices(web: Web) -> None:
    story, _new, rid = may_preview(web)
    before = row_count(web.container)["documents"]
    confirm = form_by_action(
        parse(web.page(f"/billing-runs/{rid}")), f"/billing-runs/{rid}/confirm"
    )
    assert confirm.one("button").text == "Confirm"
    response = web.post(f"/billing-runs/{rid}/confirm")
    assert response.headers["location"] == f"/billing-runs/{rid}"
    doc = parse(after_redirect(web, response))
    assert flash(doc) == f"Preview #{rid} confirmed: 3 invoice(s) issued."
    assert doc.testid("run-status").text == "Completed"
    assert counts(doc) == {"invoiced": "3", "skipped": "1", "parked": "0"}
    issued = {row[0]: row[2] for row in table(doc, "made")}
    assert issued == {"Same Co": eur(72), "Dearer Co": eur(30), "New Co": eur(10)}
    assert not any(row[1].startswith("Draft") for row in table(doc, "made"))
    assert doc.find("section", id="section-comparison") is None
    assert row_count(web.container)["documents"] == before  # each draft became its invoice
    customer = parse(web.page(f"/customers/{story.dearer}"))
    assert len(customer.by_id("section-documents").find_all("tr")) == 3  # head + 2 invoices
    again = web.post(f"/billing-runs/{rid}/confirm")
    assert again.status_code == 409
    assert "only a preview can be confirmed or discarded" in again.text


def test_a_discarded_preview_leaves_no_draft(web: Web) -> None:
    _story, _new, rid = may_preview(web)
    before = row_count(web.container)["documents"]
    response = web.post(f"/billing-runs/{rid}/discard")
    doc = parse(after_redirect(web, response))
    assert flash(doc) == f"Preview #{rid} discarded: its drafts are gone."
    assert doc.testid("run-status").text == "Discarded"
    assert "The drafts were discarded." in doc.by_id("section-made").text
    assert row_count(web.container)["documents"] == before - 3
    assert doc.find("form", action=f"/billing-runs/{rid}/confirm") is None
    assert web.post(f"/billing-runs/{rid}/confirm").status_code == 409
    assert web.post(f"/billing-runs/{rid}/retry").status_code == 409


def test_a_preview_still_being_made_cannot_be_confirmed(web: Web) -> None:
    customer = web.book.customer("Slow Co")
    service(web, customer, "20.00")
    today = web.book.today()
    run, _todo = runs.open_run(
        web.container, {"date": APRIL, "preview": True}, actor="test", on=today
    )
    page = parse(web.page(f"/billing-runs/{run.id}"))
    assert "making the drafts…" in page.by_id("run-progress").text
    assert page.find("form", action=f"/billing-runs/{run.id}/confirm") is None
    before = snapshot(web.container)
    for action in ("confirm", "discard"):
        refused = web.post(f"/billing-runs/{run.id}/{action}")
        assert refused.status_code == 409
        assert "is still being made" in refused.text
    assert snapshot(web.container) == before


# -- refusals -------------------------------------------------------------------------------


def test_a_refused_run_keeps_the_form_and_starts_nothing(web: Web) -> None:
    before = snapshot(web.container)
    for day, message in (
        ("2999-01-01", "cannot be after today"),
        ("2026-02-30", "must be a date"),
        ("abc", "must be a date"),
    ):
        response = start(web, day, preview="on")
        assert response.status_code == 422, day
        doc = parse(response.text)
        assert message in (field_error(doc, "date") or ""), day
        assert field_value(doc, "date") == day
        assert doc.one(id="f-preview").has("checked")
        assert doc.one(id="f-skip_zero_invoices").has("checked")
    assert snapshot(web.container) == before


def test_a_viewer_sees_the_runs_but_no_form(web: Web) -> None:
    _story, _new, rid = may_preview(web)
    viewer = web.as_role(Role.VIEWER)
    listed = parse(viewer.page("/billing-runs"))
    assert listed.find("form", action="/billing-runs") is None
    assert listed.by_id(f"run-{rid}") is not None
    page = parse(viewer.page(f"/billing-runs/{rid}"))
    assert [f.get("action") for f in page.find_all("form", method="post")] == ["/logout"]
    assert page.testid("change-counts") is not None
    before = snapshot(web.container)
    for path in ("/billing-runs", *(f"/billing-runs/{rid}/{a}" for a in ("confirm", "discard"))):
        refused = viewer.post(path, {"date": MAY})
        assert refused.status_code == 403, path
        assert VIEWER_REFUSED in refused.text
    assert viewer.post(f"/billing-runs/{rid}/retry").status_code == 403
    assert snapshot(web.container) == before


def test_a_form_without_the_session_token_changes_nothing(web: Web) -> None:
    _story, _new, rid = may_preview(web)
    before = snapshot(web.container)
    for path in ("/billing-runs", *(f"/billing-runs/{rid}/{a}" for a in ("confirm", "retry"))):
        for token in ("", "wrong"):
            for htmx in (False, True):
                response = web.post(path, {"date": MAY}, csrf=token, htmx=htmx)
                assert response.status_code == 403, path
                assert CSRF_REFUSED in response.text
    assert snapshot(web.container) == before


def _below_500(response: Any, what: str) -> None:
    assert response.status_code < 500, (what, response.status_code, response.text[:500])


def test_unknown_runs_are_not_found(web: Web) -> None:
    before = snapshot(web.container)
    for bad in ("0", "-1", "99999999999999999999", "abc", "1.5", "42"):
        assert web.client.get(f"/billing-runs/{bad}").status_code == 404, bad
        for action in ("confirm", "discard", "retry"):
            assert web.post(f"/billing-runs/{bad}/{action}").status_code == 404, (bad, action)
    assert snapshot(web.container) == before


def test_malformed_input_never_fails(web: Web) -> None:
    _story, _new, rid = may_preview(web)
    garbage = ["", "-1", "abc", "1e9", "1,5", "99999999999999999999", "\x00", "é" * 600, "NaN"]
    for name in ("threshold", "change", "after"):
        for value in garbage:
            response = web.client.get(f"/billing-runs/{rid}", params={name: value})
            _below_500(response, f"{name}={value!r}")
            assert response.status_code == 200
    for name in ("date", "preview", "skip_zero_invoices", "balance_only_accounts"):
        for value in garbage:
            before = snapshot(web.container)
            response = web.post("/billing-runs", {"date": MAY, name: value})
            _below_500(response, f"{name}={value!r}")
            if response.status_code >= 400:
                assert snapshot(web.container) == before, (name, value)
