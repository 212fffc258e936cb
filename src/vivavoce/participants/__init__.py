"""Participants: the people assessed (`candidate_id` in session payloads)."""
