"""Expected refusals: a handler turns one into a reply in the user's language."""


class Refused(Exception):
    """The action is not allowed or the input is not acceptable; `key` names the text."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params
