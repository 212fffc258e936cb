"""Data requests: erasing a participant's personal data everywhere it is kept."""
