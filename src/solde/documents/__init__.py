"""Printed documents: invoices, proformas and credit notes as PDF (SPEC §14).

    printable = Printable(document, customer, partner, status, open_amount, balance, "fr_FR")
    pdf = render_pdf(printable, template_dir=template_dir_from_env())
    filename = pdf_filename(document)

Statements print the same way (`PrintableStatement`, `render_statement_pdf`, docs/STATEMENTS.md).
Templates, the per-partner override folders and the values a template receives are described
in docs/DOCUMENTS.md.
"""

from solde.documents.printable import (
    Printable,
    pdf_filename,
    template_dir_from_env,
)
from solde.documents.printing import render_html, render_pdf, template_folders
from solde.documents.statement_context import (
    PrintableStatement,
    render_statement_html,
    render_statement_pdf,
)

__all__ = [
    "Printable",
    "PrintableStatement",
    "pdf_filename",
    "render_html",
    "render_pdf",
    "render_statement_html",
    "render_statement_pdf",
    "template_dir_from_env",
    "template_folders",
]
