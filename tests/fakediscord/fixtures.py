"""pytest fixtures for tests.fakediscord.

Register them once in ``tests/conftest.py`` (or at the top of a test module)::

    pytest_plugins = ["tests.fakediscord.fixtures"]

or import by name in a test module (ruff then wants ``# noqa: F401`` on the import and reports
F811 on every test parameter that uses it)::

    from tests.fakediscord.fixtures import fake_discord
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from .runner import run_client
from .server import FakeDiscord

__all__ = ["fake_discord", "run_client"]


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """A started FakeDiscord (default world) with discord.py pointed at it; stopped and
    un-patched afterwards. Fails the test if the fake itself raised while handling a request."""
    async with FakeDiscord() as fake:
        yield fake
        assert not fake.server_errors, "fakediscord crashed:\n" + "\n".join(fake.server_errors)
