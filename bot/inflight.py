"""What the bot is doing right now: updates being handled and the work they started in the
background (an album's confirmation, a notification's delivery, a command menu).

A graceful stop waits for it (bounded) before the HTTP session and the database close, and
the tests wait for it to settle before they look at the chats.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Update

log = logging.getLogger(__name__)


class InFlight:
    """A registry of running tasks with a way to wait until none is left."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._daemons: set[asyncio.Task[Any]] = set()  # never waited for; cancelled at stop
        self._updates = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def busy(self) -> bool:
        return bool(self._tasks) or self._updates > 0

    def _check_idle(self) -> None:
        if not self.busy:
            self._idle.set()

    def spawn(
        self, work: Coroutine[Any, Any, Any], name: str, daemon: bool = False
    ) -> asyncio.Task[Any]:
        """Runs `work` in the background; its failure is logged, never lost silently.
        A daemon (a retry loop that may wait minutes) is not waited for, only cancelled."""
        task = asyncio.create_task(work, name=name)
        if daemon:
            self._daemons.add(task)
            task.add_done_callback(self._daemon_finished)
            return task
        self._tasks.add(task)
        self._idle.clear()
        task.add_done_callback(self._finished)
        return task

    def _daemon_finished(self, task: asyncio.Task[Any]) -> None:
        self._daemons.discard(task)
        self._log_failure(task)

    def adopt(self, task: asyncio.Task[Any]) -> None:
        """Counts a task started elsewhere (a scheduled sweep) as running work."""
        if task not in self._tasks:
            self._tasks.add(task)
            self._idle.clear()
            task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        self._log_failure(task)
        self._check_idle()

    @staticmethod
    def _log_failure(task: asyncio.Task[Any]) -> None:
        if task.cancelled() or (error := task.exception()) is None:
            return
        if isinstance(error, TelegramAPIError):
            # As for a reply (see handlers/errors.py): what the person did is stored; the
            # message could not be delivered even after the outbound path's retries.
            log.warning("background task %s: Telegram fault: %s", task.get_name(), error)
        else:
            log.error("background task %s failed: %r", task.get_name(), error, exc_info=error)

    def update_started(self) -> None:
        self._updates += 1
        self._idle.clear()

    def update_finished(self) -> None:
        self._updates -= 1
        self._check_idle()

    async def idle(self) -> None:
        """Returns once nothing is running (work started meanwhile is waited for too)."""
        while self.busy:
            await self._idle.wait()
            await asyncio.sleep(0)  # let done-callbacks of finishing tasks run

    async def drain(self, seconds: float) -> bool:
        """Waits up to `seconds` for running work; cancels what is left.
        Returns whether everything finished in time."""
        finished = True
        try:
            await asyncio.wait_for(self.idle(), seconds)
        except TimeoutError:
            finished = False
            log.warning(
                "stopping: %s updates, %s tasks unfinished", self._updates, len(self._tasks)
            )
        left = [*self._tasks, *self._daemons]
        for task in left:
            task.cancel()
        await asyncio.gather(*left, return_exceptions=True)
        return finished


class TrackingDispatcher(Dispatcher):
    """aiogram's dispatcher, counting the updates it is handling (polling runs each as its
    own task, and aiogram keeps no public account of them) so a stop can wait for them."""

    def __init__(self, inflight: InFlight, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.inflight = inflight
        # Called with each update's id once it was handled, error handlers included.
        self.handled_listeners: list[Callable[[int], None]] = []

    async def feed_update(self, bot: Bot, update: Update, **kwargs: Any) -> Any:
        self.inflight.update_started()
        try:
            return await super().feed_update(bot, update, **kwargs)
        finally:
            self.inflight.update_finished()
            for listener in self.handled_listeners:
                listener(update.update_id)
