"""Repositories: the ledger's ports implemented with SQLAlchemy Core."""
