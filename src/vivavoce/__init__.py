"""vivavoce: an open, self-hostable AI interview platform."""

__version__ = "0.1.0"
