"""The sandbox: the whole bot offline, with a local Bot API server and a web chat page."""
