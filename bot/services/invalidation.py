"""A decorator for methods that change people: the cache of people is dropped once the
change is committed (or failed), so no update reads a person as he was before."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


def then_call(hook: str) -> Callable[[Callable[P, Awaitable[T]]], Callable[P, Awaitable[T]]]:
    """After the method, call `self.<hook>()`."""

    def decorate(method: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
        @wraps(method)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            try:
                return await method(*args, **kwargs)
            finally:
                owner: Any = args[0]
                getattr(owner, hook)()

        return wrapper

    return decorate
