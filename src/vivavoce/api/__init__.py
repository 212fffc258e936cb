"""HTTP API conventions shared by every endpoint: envelopes, errors, auth, middleware."""
