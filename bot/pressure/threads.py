"""Running an async service call (bot.answers.ask) to completion inside a worker thread.

``answers.ask`` is a coroutine whose parsing and planning are synchronous CPU work; awaiting it
on the bot's loop would run that work there. In a worker thread it runs on that thread's own
event loop, made once per thread and kept: ``asyncio.run`` per call made and tore down a loop
(a socket pair, a selector, an executor shutdown) for every question, about 8 % of the bot's
CPU in the burst benchmark. Its awaits still work: aiosqlite resolves each future on the loop
that created it (``future.get_loop().call_soon_threadsafe``), and the snapshot it reads is
immutable.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

_local = threading.local()


def thread_loop() -> asyncio.AbstractEventLoop:
    """This thread's private event loop (made on first use; never the running bot loop)."""
    loop: asyncio.AbstractEventLoop | None = getattr(_local, "loop", None)
    if loop is None or loop.is_closed():
        loop = _local.loop = asyncio.new_event_loop()
    return loop


def run_here(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run the coroutine ``factory()`` makes to completion on this thread's own loop.

    Called from a worker thread (never from inside a running loop: that raises, as
    ``asyncio.run`` does)."""
    return thread_loop().run_until_complete(factory())
