"""Phone interviews over SIP (docs/phone.md, ADR 18)."""
