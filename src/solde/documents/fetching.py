"""No network and no local files while rendering a PDF: only `data:` URIs are read.

A template is written by an administrator, and text on a document comes from customers: neither
may make the server fetch a URL (server-side request forgery) or embed one of its files
(`file:///etc/passwd` as an image or an attachment). WeasyPrint asks its URL fetcher for every
image, stylesheet, font and attachment; this one answers `data:` URIs itself and refuses
everything else, so WeasyPrint leaves the resource out and carries on.

WeasyPrint skips a resource it cannot load in every place but one (an `@color-profile`
source): a refusal there stops the rendering, and `render_pdf` renders again with the fetcher
made `lenient`, answering refused URLs with an empty body that WeasyPrint then discards.
"""

from __future__ import annotations

import logging
from urllib.request import DataHandler, Request

from solde.documents.engine import URLFetcher, URLFetcherResponse

LOGGER = logging.getLogger(__name__)


class URLRefused(ValueError):
    """A document asked for a resource that is not a `data:` URI."""


class DataOnlyFetcher(URLFetcher):  # type: ignore[misc]  # subclass of an untyped class
    """A WeasyPrint URL fetcher that serves `data:` URIs and refuses every other URL.

    `refused` lists what was refused, in order (tests and logs read it). A `lenient` fetcher
    answers a refused URL with an empty body instead of raising."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("data",), allow_redirects=False, fail_on_errors=False)
        self.refused: list[str] = []
        self.lenient = False

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        """The bytes of a `data:` URI; any other URL raises `URLRefused`, which WeasyPrint
        reports as a resource it could not load."""
        if url[:5].lower() != "data:":
            self.refused.append(url)
            LOGGER.warning("document rendering refused to fetch %.200s", url)
            if self.lenient:
                return URLFetcherResponse(url, b"", {"Content-Type": "application/octet-stream"})
            raise URLRefused(f"only data: URIs are allowed in documents, not {url[:200]}")
        # only data: URIs reach this line: DataHandler decodes them without any I/O
        with DataHandler().data_open(Request(url)) as response:  # noqa: S310
            body = response.read()
            content_type = response.headers.get("Content-Type", "text/plain")
        return URLFetcherResponse(url, body, {"Content-Type": content_type})
