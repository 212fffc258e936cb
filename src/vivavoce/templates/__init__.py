"""Evaluation templates (what to assess, for one role) and their stages (the pipeline)."""
