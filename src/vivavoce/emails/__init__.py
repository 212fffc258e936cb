"""Email: rendering, the outbox, SMTP sending, invites and reminders (SPEC §7)."""
