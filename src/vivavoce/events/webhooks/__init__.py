"""Webhooks: endpoints, fan-out of the event log, signed delivery with retries."""
