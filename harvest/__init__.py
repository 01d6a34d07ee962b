"""Harvest: turn what is said at a workshop's tables into one live concept map."""

__version__ = "0.1.0"
