"""Domain-free tools: database, ids, clock, crypto, errors, pagination, jobs."""
