"""Invoices, proformas and credit notes as HTML and PDF (SPEC §14).

Templates are Jinja2, sandboxed and autoescaped: a customer's name or an item's description is
printed as text, never read as markup, and a template cannot reach Python internals. The
template `invoice.html` is looked up, first match wins, in:

1. `<template_dir>/partner-<id>/` — one selling partner's own templates;
2. `<template_dir>/default/` — the company's templates for every partner;
3. the packaged default (`solde/documents/templates/default/`).

A folder may hold only some files (`style.css` alone restyles the packaged layout). The PDF is
made by WeasyPrint with a URL fetcher that reads `data:` URIs only (see `fetching`).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import BaseLoader, ChoiceLoader, FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from solde.documents.context import template_context
from solde.documents.engine import HTML, URLFetchingError
from solde.documents.fetching import DataOnlyFetcher
from solde.documents.printable import Printable

#: The templates that ship with solde.
PACKAGED_TEMPLATES = Path(__file__).resolve().parent / "templates" / "default"
#: The template every document kind is printed with.
DOCUMENT_TEMPLATE = "invoice.html"


def template_folders(template_dir: Path | None, partner_id: int) -> tuple[Path, ...]:
    """The folders searched for a partner's templates, first match wins: the partner's own
    folder and the company default under `template_dir` when they exist, then the packaged
    default."""
    folders: list[Path] = []
    if template_dir is not None:
        for name in (f"partner-{partner_id}", "default"):
            folder = template_dir / name
            if folder.is_dir():
                folders.append(folder)
    folders.append(PACKAGED_TEMPLATES)
    return tuple(folders)


@lru_cache(maxsize=32)
def _environment(folders: tuple[Path, ...]) -> SandboxedEnvironment:
    """One sandboxed, autoescaping environment per list of folders (templates compile once)."""
    loaders: list[BaseLoader] = [FileSystemLoader(folder) for folder in folders]
    return SandboxedEnvironment(
        loader=ChoiceLoader(loaders),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(printable: Printable, *, template_dir: Path | None = None) -> str:
    """The document as HTML, from the partner's template (or the default), with amounts and
    dates written for the customer's locale."""
    folders = template_folders(template_dir, printable.partner.id)
    template = _environment(folders).get_template(DOCUMENT_TEMPLATE)
    return template.render(template_context(printable))


def render_pdf(printable: Printable, *, template_dir: Path | None = None) -> bytes:
    """The document as an A4 PDF. Nothing outside the document is fetched: images and styles
    other than `data:` URIs are left out."""
    html = render_html(printable, template_dir=template_dir)
    return html_to_pdf(html, DataOnlyFetcher())


def html_to_pdf(html: str, fetcher: DataOnlyFetcher) -> bytes:
    """PDF bytes of a rendered document; `fetcher` answers every resource it asks for. When a
    refused resource stops WeasyPrint, it renders again with the fetcher made lenient."""
    try:
        return _write_pdf(html, fetcher)
    except URLFetchingError:
        fetcher.lenient = True
        return _write_pdf(html, fetcher)


def _write_pdf(html: str, fetcher: DataOnlyFetcher) -> bytes:
    pdf = HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf()
    assert isinstance(pdf, bytes)  # write_pdf returns the bytes when given no target
    return pdf
