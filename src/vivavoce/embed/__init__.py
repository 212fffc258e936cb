"""The embeddable interview widget: short-lived participant tokens a host page's server asks
for with its API key, redeemed once by the embedded page (docs/embed.md, ADR 16)."""
