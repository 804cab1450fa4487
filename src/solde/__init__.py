"""solde: customer balances and billing back office."""

__version__ = "0.1.0"
