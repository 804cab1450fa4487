"""A server whose system lacks Pango (WeasyPrint cannot load) runs everything but PDFs, and
answers a PDF request with a clear 503 instead of failing to start."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest
from starlette.testclient import TestClient

from solde import pdfs
from solde.billing import usecases as billing
from solde.bootstrap import Container
from solde.domain.errors import Unavailable
from solde.ledger import usecases as ledger
from solde.server import create_app
from solde.storage.api_keys import Role

ON = date(2026, 3, 10)

#: Imports WeasyPrint fails, as it does without Pango, then starts what a server starts.
WITHOUT_PANGO = """
import sys
class NoPango:
    def find_spec(self, name, path=None, target=None):
        if name == "weasyprint" or name.startswith("weasyprint."):
            raise OSError("cannot load library 'libpango-1.0-0'")
        return None
sys.meta_path.insert(0, NoPango())
import solde.server, solde.cli.main, solde.pdfs
from solde.bootstrap import Config, Container
solde.server.create_app(Container(Config("sqlite://")))
print("started")
"""


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)


def test_the_server_and_the_cli_start_without_pango() -> None:
    done = _run(WITHOUT_PANGO)
    assert (done.returncode, done.stdout.strip()) == (0, "started"), done.stderr
    # the same blocker does stop WeasyPrint: rendering itself is what is missing
    blocked = _run(WITHOUT_PANGO.replace('print("started")', "import solde.documents"))
    assert blocked.returncode != 0
    assert "libpango" in blocked.stderr


@pytest.fixture
def no_pango(monkeypatch: pytest.MonkeyPatch) -> None:
    """`solde.documents` cannot be imported, as without Pango."""
    monkeypatch.setitem(sys.modules, "solde.documents", None)


def _invoice(container: Container) -> int:
    with container.uow(actor="test") as uow:
        customer = ledger.create_customer(uow, {"name": "Ada", "currency": "EUR"})
        items = [{"description": "Fibre", "unit_price": "30.00"}]
        doc = billing.create_invoice(uow, customer.id, {"items": items}, on=ON)
        uow.commit()
    return doc.id


def test_a_pdf_asked_without_pango_is_a_503_that_says_why(
    container: Container, no_pango: None
) -> None:
    invoice = _invoice(container)
    with pytest.raises(Unavailable, match="install Pango"):
        pdfs.document_pdf(container, invoice, on=ON, actor="test")
    with pytest.raises(Unavailable):
        pdfs.archive(container, [invoice], on=ON, actor="test")
    _, key = container.api_keys.create(name="test", role=Role.ADMIN)
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        answer = client.get(
            f"/v1/invoices/{invoice}/pdf", headers={"Authorization": f"Bearer {key}"}
        )
        listed = client.get("/v1/invoices", headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 503
    assert answer.json()["code"] == "unavailable"
    assert "install Pango" in answer.json()["detail"]
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["data"]] == [invoice]
