"""A 500-line invoice runs over many pages: the table header repeats, no row is cut in two."""

from __future__ import annotations

import re
import time

import pytest
from pdf_samples import document, item, pdf_text, printable, spaced

from solde.documents import render_pdf

LINES = 500
_ITEM = re.compile(r"Usage line (\d+) <b>&")


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    doc = document([item(f"Usage line {n} <b>&", "2", "12.345") for n in range(1, LINES + 1)])
    started = time.perf_counter()
    pdf = render_pdf(printable(doc))
    seconds = time.perf_counter() - started
    assert seconds < 30, f"{LINES} lines took {seconds:.1f} s"
    text = spaced(pdf_text(pdf, tmp_path_factory.mktemp("long")))
    return [page for page in text.split("\f") if page.strip()]


def test_the_invoice_runs_over_several_pages_numbered_x_of_y(pages: list[str]) -> None:
    assert len(pages) > 5
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page


def test_every_page_with_items_starts_its_table_with_the_header(pages: list[str]) -> None:
    for page in pages:
        lines = page.splitlines()
        first_item = next((i for i, line in enumerate(lines) if _ITEM.search(line)), None)
        if first_item is None:
            continue
        header = next(i for i, line in enumerate(lines) if "DESCRIPTION" in line)
        assert header < first_item
        assert all(word in lines[header] for word in ("QTY", "UNIT PRICE", "NET", "TOTAL"))


def test_every_line_is_printed_once_and_whole(pages: list[str]) -> None:
    seen: list[int] = []
    for page in pages:
        for line in page.splitlines():
            if match := _ITEM.search(line):
                seen.append(int(match[1]))
                assert line.rstrip().endswith("24,69 € 4,94 € 29,63 €"), line
    assert seen == list(range(1, LINES + 1))


def test_the_totals_come_after_the_last_line(pages: list[str]) -> None:
    text = "\n".join(pages)
    assert "Total incl. tax 14 815,00 €" in text
    assert text.index(f"Usage line {LINES} ") < text.index("Total incl. tax")
