"""Utilities: hooks, and (with netlab.nn) data loading."""
