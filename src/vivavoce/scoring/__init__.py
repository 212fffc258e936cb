"""Scoring: scorers (the offline one on a bundled embedding model, an LLM judge) and the
scorecard assembly that turns their per-dimension judgements into a session's scorecard."""
