"""Use cases shared by handlers and the scheduler. They speak domain objects, not Telegram."""
