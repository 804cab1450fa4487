"""Lists, statements and the journal as files: CSV, JSON and XLSX written row by row, and the
plain-text accounting journal (SPEC §11, §12)."""
