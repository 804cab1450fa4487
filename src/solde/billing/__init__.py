"""Billing: invoices, proformas, credit notes, numbering, groups, totals (SPEC §5, §7, §12)."""
