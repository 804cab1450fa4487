"""The web back office: Jinja2 pages and htmx fragments over the use cases."""
