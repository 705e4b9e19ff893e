"""Domain rules: plain Python, no Telegram types."""
