"""Running an async service call (bot.answers.ask) to completion inside a worker thread.

``answers.ask`` is a coroutine whose parsing and planning are synchronous CPU work; awaiting it
on the bot's loop would run that work there. In a worker thread it runs on that thread's own
event loop, made once per thread and kept: ``asyncio.run`` per call made and tore down a loop
(a socket pair, a selector, an executor shutdown) for every question, about 8 % of the bot's
CPU in the burst benchmark. Its awaits still work: aiosqlite resolves each future on the loop
that created it (``future.get_loop().call_soon_threadsafe``), and the snapshot it reads is
immutable.

The loop is closed when its thread ends (a finalizer on the thread-local holder): a loop left
for the garbage collector raised "unclosed event loop" in whatever code ran the next collection.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

_local = threading.local()


class _LoopHolder:
    """Holds one thread's loop; when the thread ends its locals go, and the finalizer closes
    the loop (also at interpreter exit)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        weakref.finalize(self, _close, self.loop)


def _close(loop: asyncio.AbstractEventLoop) -> None:
    if not loop.is_closed() and not loop.is_running():
        loop.close()


def thread_loop() -> asyncio.AbstractEventLoop:
    """This thread's private event loop (made on first use; never the running bot loop)."""
    holder: _LoopHolder | None = getattr(_local, "holder", None)
    if holder is None or holder.loop.is_closed():
        holder = _local.holder = _LoopHolder()
    return holder.loop


def run_here(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run the coroutine ``factory()`` makes to completion on this thread's own loop.

    Called from a worker thread (never from inside a running loop: that raises, as
    ``asyncio.run`` does)."""
    return thread_loop().run_until_complete(factory())
