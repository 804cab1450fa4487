"""What a user downloads: a list, a statement or the journal, read in a read-only unit of work
and streamed as a file, for every surface (API, CLI, back office)."""
