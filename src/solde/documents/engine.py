"""WeasyPrint, imported in one place.

WeasyPrint warns at import when the system library HarfBuzz-Subset is missing (it then subsets
fonts with fontTools, slower but correct). .ci/run installs it (Debian `libharfbuzz-subset0`);
elsewhere the warning is not allowed to fail the test suite or clutter the back office's logs.
WeasyPrint ships no type hints.
"""

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="HarfBuzz-Subset", category=DeprecationWarning)
    from weasyprint import HTML  # type: ignore[import-untyped]
    from weasyprint.urls import (  # type: ignore[import-untyped]
        URLFetcher,
        URLFetcherResponse,
        URLFetchingError,
    )

__all__ = ["HTML", "URLFetcher", "URLFetcherResponse", "URLFetchingError"]
