"""The workspace event log (and, later, webhook delivery of it)."""
