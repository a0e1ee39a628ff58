"""Atom and RSS feeds built from releases."""
