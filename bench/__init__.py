"""solde's benchmark harness: `python3 tasks.py bench [--profile quick|full]`.

Each scenario measures solde and, in the same run, a baseline doing the same work without
solde (the raw database, or `ledger` for balances), and reports both and their ratio. See
docs/BENCHMARKS.md for the scenarios, how to run them and the latest figures.
"""
