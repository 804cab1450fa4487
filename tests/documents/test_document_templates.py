"""Template folders: a partner's own folder, then the company default, then the packaged one;
templates are sandboxed and autoescaped."""

from __future__ import annotations

from pathlib import Path

import pytest
from jinja2.exceptions import SecurityError, UndefinedError
from pdf_samples import document, item, partner, pdf_text, printable

from solde.documents import (
    Printable,
    render_html,
    render_pdf,
    template_dir_from_env,
    template_folders,
)
from solde.documents.printing import PACKAGED_TEMPLATES


def _write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def _for_partner(partner_id: int) -> Printable:
    doc = document([item("Consulting", "2", "100.00")], partner_id=partner_id)
    return printable(doc, partner=partner(partner_id, name=f"Partner {partner_id}"))


def test_a_partner_folder_replaces_the_default_template(tmp_path: Path) -> None:
    _write(
        tmp_path / "partner-3",
        "invoice.html",
        "<p>Partner three's own {{ title }} {{ number }} for {{ buyer.name }}</p>",
    )
    html = render_html(_for_partner(3), template_dir=tmp_path)
    assert html == ("<p>Partner three's own Invoice 202601000042 for Atelier Dupont &amp; Fils</p>")
    text = pdf_text(render_pdf(_for_partner(3), template_dir=tmp_path), tmp_path)
    assert "Partner three's own Invoice 202601000042" in text
    other = render_html(_for_partner(1), template_dir=tmp_path)
    assert "Partner three" not in other
    assert "Total incl. tax" in other


def test_the_company_default_folder_comes_before_the_packaged_one(tmp_path: Path) -> None:
    _write(tmp_path / "default", "invoice.html", "company {{ number }}")
    _write(tmp_path / "partner-2", "invoice.html", "partner two {{ number }}")
    assert render_html(_for_partner(1), template_dir=tmp_path) == "company 202601000042"
    assert render_html(_for_partner(2), template_dir=tmp_path) == "partner two 202601000042"
    assert template_folders(tmp_path, 2) == (
        tmp_path / "partner-2",
        tmp_path / "default",
        PACKAGED_TEMPLATES,
    )
    assert template_folders(tmp_path, 9) == (tmp_path / "default", PACKAGED_TEMPLATES)
    assert template_folders(None, 2) == (PACKAGED_TEMPLATES,)


def test_a_folder_with_only_a_style_sheet_restyles_the_packaged_layout(tmp_path: Path) -> None:
    _write(tmp_path / "partner-5", "style.css", "/* partner five */ h1 { color: #7a1f5c; }")
    html = render_html(_for_partner(5), template_dir=tmp_path)
    assert "/* partner five */" in html
    assert "Total incl. tax" in html
    assert "size: A4" not in html  # the packaged style sheet is replaced, not added to


def test_a_missing_template_folder_falls_back_to_the_packaged_default(tmp_path: Path) -> None:
    html = render_html(_for_partner(1), template_dir=tmp_path / "nowhere")
    assert "Total incl. tax" in html


def test_templates_cannot_reach_python_internals(tmp_path: Path) -> None:
    _write(tmp_path / "partner-4", "invoice.html", "{{ fmt.__class__.__init__.__globals__ }}")
    with pytest.raises(SecurityError):
        render_html(_for_partner(4), template_dir=tmp_path)


def test_a_misspelt_variable_fails_loudly(tmp_path: Path) -> None:
    _write(tmp_path / "partner-4", "invoice.html", "{{ nubmer }}")
    with pytest.raises(UndefinedError):
        render_html(_for_partner(4), template_dir=tmp_path)


def test_a_template_never_sees_the_internal_memo(tmp_path: Path) -> None:
    _write(tmp_path / "partner-4", "invoice.html", "{{ document.memo }}")
    doc = document([item("Consulting", "1", "1.00")], partner_id=4, memo="secret")
    with pytest.raises(UndefinedError):
        render_html(printable(doc, partner=partner(4)), template_dir=tmp_path)


def test_the_template_folder_comes_from_solde_template_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("SOLDE_TEMPLATE_DIR", raising=False)
    assert template_dir_from_env() is None
    monkeypatch.setenv("SOLDE_TEMPLATE_DIR", "  ")
    assert template_dir_from_env() is None
    monkeypatch.setenv("SOLDE_TEMPLATE_DIR", str(tmp_path))
    assert template_dir_from_env() == tmp_path
