"""Rendering fetches nothing: no network, no local file; only data: URIs are read."""

from __future__ import annotations

import logging
import socket
import urllib.request
from pathlib import Path

import pytest
from pdf_samples import document, item, partner, pdf_text, printable

from solde.documents import render_html, render_pdf
from solde.documents.engine import URLFetcher
from solde.documents.fetching import DataOnlyFetcher, URLRefused
from solde.documents.printing import html_to_pdf

HOSTILE = """<!DOCTYPE html><html><head>
<link rel="stylesheet" href="http://example.invalid/x.css">
<link rel="attachment" href="file:///etc/passwd">
<style>
@import url(http://example.invalid/import.css);
@font-face { font-family: Remote; src: url(http://example.invalid/font.woff); }
@color-profile --stolen { src: url(file:///etc/passwd) }
body { background: url(file:///etc/hostname); }
</style></head><body>
<p>Invoice {{ number }}</p>
<img src="http://example.invalid/x.png"><img src="file:///etc/passwd">
<a rel="attachment" href="file:///etc/hosts">hosts</a>
<svg width="10" height="10"><image href="http://example.invalid/s.png" width="9" height="9"/></svg>
</body></html>
"""
EXPECTED = {
    "http://example.invalid/x.css",
    "http://example.invalid/import.css",
    "http://example.invalid/font.woff",
    "file:///etc/passwd",
    "file:///etc/hostname",
    "http://example.invalid/x.png",
    "file:///etc/hosts",
    "http://example.invalid/s.png",
}


@pytest.fixture
def no_outside_access(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records (and blocks) any attempt to open a URL or a socket during the test."""
    attempts: list[str] = []

    def refuse(what: str):  # type: ignore[no-untyped-def]
        def blocked(*args: object, **kwargs: object) -> None:
            attempts.append(f"{what} {args[1:2]}")
            raise AssertionError(f"{what} was called while rendering")

        return blocked

    monkeypatch.setattr(URLFetcher, "open", refuse("URLFetcher.open"))
    monkeypatch.setattr(urllib.request.OpenerDirector, "open", refuse("OpenerDirector.open"))
    monkeypatch.setattr(socket.socket, "connect", refuse("socket.connect"))
    monkeypatch.setattr(socket, "create_connection", refuse("socket.create_connection"))
    return attempts


def test_a_hostile_template_renders_and_fetches_nothing(
    tmp_path: Path, no_outside_access: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "partner-6").mkdir()
    (tmp_path / "partner-6" / "invoice.html").write_text(HOSTILE, encoding="utf-8")
    doc = document([item("Consulting", "1", "10.00")], partner_id=6)
    html = render_html(printable(doc, partner=partner(6)), template_dir=tmp_path)
    fetcher = DataOnlyFetcher()
    with caplog.at_level(logging.WARNING, logger="solde.documents.fetching"):
        pdf = html_to_pdf(html, fetcher)
    assert pdf.startswith(b"%PDF-")
    assert "Invoice 202601000042" in pdf_text(pdf, tmp_path)
    assert set(fetcher.refused) == EXPECTED
    assert no_outside_access == []
    assert b"root:" not in pdf  # nothing of /etc/passwd, not even as an attachment
    assert "refused to fetch file:///etc/passwd" in caplog.text


def test_render_pdf_uses_the_refusing_fetcher(
    tmp_path: Path, no_outside_access: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "partner-6").mkdir()
    (tmp_path / "partner-6" / "invoice.html").write_text(
        '<p>{{ number }}</p><img src="http://example.invalid/x.png"><img src="file:///etc/passwd">',
        encoding="utf-8",
    )
    doc = document([item("Consulting", "1", "10.00")], partner_id=6)
    with caplog.at_level(logging.WARNING, logger="solde.documents.fetching"):
        pdf = render_pdf(printable(doc, partner=partner(6)), template_dir=tmp_path)
    assert pdf.startswith(b"%PDF-")
    assert "refused to fetch http://example.invalid/x.png" in caplog.text
    assert "refused to fetch file:///etc/passwd" in caplog.text
    assert no_outside_access == []


def test_a_description_cannot_inject_an_image(no_outside_access: list[str]) -> None:
    doc = document([item('<img src="http://example.invalid/x.png">', "1", "10.00")])
    html = render_html(printable(doc))
    assert '<img src="http://example.invalid' not in html
    fetcher = DataOnlyFetcher()
    html_to_pdf(html, fetcher)
    assert [url for url in fetcher.refused if "example.invalid" in url] == []


def test_the_fetcher_reads_data_uris_and_refuses_the_rest() -> None:
    fetcher = DataOnlyFetcher()
    response = fetcher.fetch("data:text/css;base64,Ym9keSB7fQ==")
    assert response.read() == b"body {}"
    assert response.content_type == "text/css"
    for url in ("http://example.invalid/", "file:///etc/passwd", "ftp://x/", "/etc/passwd"):
        with pytest.raises(URLRefused):
            fetcher.fetch(url)
    assert fetcher.refused == [
        "http://example.invalid/",
        "file:///etc/passwd",
        "ftp://x/",
        "/etc/passwd",
    ]
    fetcher.lenient = True
    assert fetcher.fetch("file:///etc/passwd").read() == b""
