"""Texts of screens shared by several handlers (in the current language)."""
