"""Printed documents: invoices, proformas and credit notes as PDF (SPEC §14).

    printable = Printable(document, customer, partner, status, open_amount, balance, "fr_FR")
    pdf = render_pdf(printable, template_dir=template_dir_from_env())
    filename = pdf_filename(document)

Templates, the per-partner override folders and the values a template receives are described
in docs/DOCUMENTS.md.
"""

from solde.documents.printable import (
    Printable,
    pdf_filename,
    template_dir_from_env,
)
from solde.documents.printing import render_html, render_pdf, template_folders

__all__ = [
    "Printable",
    "pdf_filename",
    "render_html",
    "render_pdf",
    "template_dir_from_env",
    "template_folders",
]
