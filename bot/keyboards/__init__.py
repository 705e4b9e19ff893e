"""Inline keyboards, built from domain data and texts in the current language."""
