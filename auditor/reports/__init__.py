"""Reports: render device results for people (table) and for programs (JSON)."""
