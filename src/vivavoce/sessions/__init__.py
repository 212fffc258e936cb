"""Interview sessions: their lifecycle (state.py) and the service that alone writes status."""
