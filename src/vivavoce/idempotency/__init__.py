"""`Idempotency-Key` on POST: one execution, the first response replayed for 24 h."""
