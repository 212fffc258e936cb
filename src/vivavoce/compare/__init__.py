"""Comparing a template's candidates on their latest scorecards, and its shortlist."""
