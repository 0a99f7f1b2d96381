# ruff: noqa: ASYNC109  (``timeout=`` parameters are this test API's documented contract)
"""``run_client``: run a real discord.py client against a FakeDiscord for the length of a block."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import discord

    from .server import FakeDiscord

ClientT = TypeVar("ClientT", bound="discord.Client")


@contextlib.asynccontextmanager
async def run_client(
    fake: FakeDiscord,
    client: ClientT,
    *,
    token: str | None = None,
    timeout: float = 5.0,
    guild_ready_timeout: float | None = 0.05,
    wait_ready: bool = True,
) -> AsyncIterator[ClientT]:
    """Run ``client.start(token)`` as a task against ``fake`` and wait for ``on_ready``; on exit
    ``await client.close()`` and the task (all bounded by ``timeout``).

    ``guild_ready_timeout`` sets the client's wait after the last GUILD_CREATE before on_ready
    (discord.py's default is 2 s per start; ``None`` keeps what the client was built with —
    equivalent to passing ``guild_ready_timeout=`` to the Client constructor). If the client
    fails to start (LoginFailure, …) that exception is raised here.
    """
    if guild_ready_timeout is not None:
        client._connection.guild_ready_timeout = guild_ready_timeout
    task = asyncio.create_task(client.start(token or fake.token), name="fakediscord-client")
    try:
        if wait_ready:
            await _wait_ready(fake, client, task, timeout)
        yield client
    except BaseException:
        await _shutdown(client, task, timeout)
        raise
    await _shutdown(client, task, timeout)
    crash = task.exception() if task.done() and not task.cancelled() else None
    if crash is not None:
        raise crash  # the client crashed while the test ran


async def _wait_ready(
    fake: FakeDiscord, client: discord.Client, task: asyncio.Task, timeout: float
) -> None:
    ready = asyncio.create_task(client.wait_until_ready())
    try:
        done, _ = await asyncio.wait(
            {task, ready}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
    finally:
        if not ready.done():
            ready.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ready
    if task in done:
        task.result()  # raises the start-up error (LoginFailure, ...)
        raise AssertionError("client.start() returned before the client became ready")
    if ready not in done:
        raise AssertionError(
            f"client not ready after {timeout}s; recent requests:\n{fake.describe_requests()}"
        )


async def _shutdown(client: discord.Client, task: asyncio.Task, timeout: float) -> None:
    try:
        async with asyncio.timeout(timeout):
            await client.close()
            if not task.done():
                await asyncio.wait({task})
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
