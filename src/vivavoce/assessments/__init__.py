"""One-way assessments (`async_assessment` stages): questions answered one at a time at the
candidate's pace, with preparation and answer time limits and retakes."""
