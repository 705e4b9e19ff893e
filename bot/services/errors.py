"""Expected refusals: a handler turns one into a reply in the user's language."""


class Refused(Exception):
    """The action is not allowed or the input is not acceptable; `key` names the text."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


class StaleCard(Refused):
    """The button came from an older revision of the card, or the NC's state no longer
    allows it: nothing changed; the person should see the card as it is now."""

    def __init__(self, nc_id: int) -> None:
        super().__init__("nc.stale")
        self.nc_id = nc_id
