#!/usr/bin/env python3
"""Take the README's screenshots of the back office, in Debian's Chromium.

    .venv/bin/python tools/screenshots.py [--out docs/screenshots]

Loads the demo data into a temporary SQLite database, serves the back office on a free local
port, signs in as the demo administrator and saves `dashboard.png`, `customer.png`,
`add-line.png`, `invoice.png` and `invoices.png` (1366×900, the size of a laptop screen).
"""

from __future__ import annotations

import argparse
import socket
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

import uvicorn
from playwright.sync_api import Page, sync_playwright

from solde.billing import reading
from solde.billing.documents import Status
from solde.billing.ports import InvoiceQuery
from solde.bootstrap import Config, Container, today
from solde.demo import DEMO_EMAIL, DEMO_PASSWORD, load_demo
from solde.ledger import usecases
from solde.ledger.ports import MAX_PAGE, CustomerQuery
from solde.server import create_app
from solde.storage.api_keys import Role

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(container: Container) -> tuple[uvicorn.Server, str]:
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(container), host="127.0.0.1", port=port, log_level="warning")
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}"


def _customer_with_most_to_show(container: Container) -> int:
    """The demo customer whose page shows the most: a payment awaiting confirmation, then a
    balance that is not zero."""
    with container.uow(actor="screenshots", write=False) as uow:
        found = usecases.list_customers(uow, CustomerQuery(limit=MAX_PAGE))
        cards = uow.balances.get_many([c.id for c in found.items]).values()
    ranked = sorted(
        cards, key=lambda b: (b.awaiting_confirmation.is_zero(), b.balance.is_zero(), b.customer_id)
    )
    return ranked[0].customer_id


def _invoice_with_most_to_show(container: Container, day: date) -> int:
    """The demo invoice with a payment and a credit note on it (partially paid)."""
    query = InvoiceQuery(as_of=day, statuses=frozenset({Status.PARTIALLY_PAID}), limit=1)
    with container.uow(actor="screenshots", write=False) as uow:
        found = (
            reading.list_invoices(uow, query).items
            or reading.list_invoices(uow, InvoiceQuery(as_of=day, limit=1)).items
        )
    return found[0].document.id


def _shoot_invoices(page: Page, base: str, invoice_id: int, out: Path) -> None:
    page.goto(f"{base}/invoices/{invoice_id}")
    page.screenshot(path=out / "invoice.png")
    page.goto(f"{base}/invoices")
    page.screenshot(path=out / "invoices.png")


def _shoot(page: Page, base: str, customer_id: int, out: Path) -> None:
    page.goto(f"{base}/login")
    page.fill("#f-email", DEMO_EMAIL)
    page.fill("#f-password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    page.screenshot(path=out / "dashboard.png")
    page.goto(f"{base}/customers/{customer_id}")
    page.screenshot(path=out / "customer.png")
    page.get_by_role("link", name="Add line").click()
    dialog = page.locator("#panel-dialog")
    dialog.get_by_label("Label").fill("On-site visit")
    dialog.get_by_label("Unit price excl. tax").fill("75,0.0")
    dialog.get_by_role("button", name="Add line").click()
    dialog.locator(".error").first.wait_for()
    page.screenshot(path=out / "add-line.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        container = Container(Config(f"sqlite:///{folder}/demo.db"))
        container.migrate()
        day = today("UTC")
        load_demo(lambda: container.uow(actor="demo"), today=day, seed=7)
        container.users.create(email=DEMO_EMAIL, role=Role.ADMIN, password=DEMO_PASSWORD)
        server, base = _serve(container)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
                page = browser.new_page(viewport={"width": 1366, "height": 900})
                _shoot(page, base, _customer_with_most_to_show(container), args.out)
                invoice = _invoice_with_most_to_show(container, day)
                _shoot_invoices(page, base, invoice, args.out)
                browser.close()
        finally:
            server.should_exit = True
            container.dispose()
    print(f"screenshots written to {args.out}")


if __name__ == "__main__":
    main()
