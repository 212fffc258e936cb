"""Workspaces, users, API keys and the authentication of API calls."""
