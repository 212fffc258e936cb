"""Agent profiles: the AI interviewer's persona, rubric dimensions and behaviour."""
