"""CSV imports (SPEC §13): customers, services, transactions and opening balances, every bad
row reported with its line and column, all rows kept or none."""
