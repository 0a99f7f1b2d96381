"""Running an async service call (bot.answers.ask) to completion inside a worker thread.

``answers.ask`` is a coroutine whose parsing and planning are synchronous CPU work; awaiting it
on the bot's loop would run that work there. In a worker thread it gets a private event loop
for the duration of the call. Its awaits still work: aiosqlite resolves each future on the
loop that created it (``future.get_loop().call_soon_threadsafe``), and the snapshot it reads
is immutable.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_here(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run the coroutine ``factory()`` makes on a new event loop in the calling thread."""
    return asyncio.run(factory())
