"""QMS Assistant: a Telegram bot for a school's ISO 9001 quality management system."""
