"""Guild and admin state behind one interface: SQLite by default, PostgreSQL when shared.

``SMARTUPS_DATABASE_URL`` unset: the state lives in the bot's SQLite file (``SMARTUPS_DB``),
beside the knowledge, exactly as before. ``postgresql://...``: spotlight schedules, rotation and
history, the audit log, suggestions, gap and usage counts, command-sync digests and process
heartbeats live on that server, shared by every process of the bot. The knowledge itself
always stays in each process (loaded from ``data/`` into its own SQLite cache), so lookups never
wait on the network. See :mod:`bot.state.base` for the contract.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bot.state.base import Row, State, StateUnavailable, Tx
from bot.state.sqlite import SqliteState

if TYPE_CHECKING:
    import aiosqlite

    from bot.config import Settings

__all__ = ["Row", "SqliteState", "State", "StateUnavailable", "Tx", "open_state"]


async def open_state(
    settings: Settings, *, plain: aiosqlite.Connection | None = None, db: str | Path | None = None
) -> State:
    """The state the settings name, connected and migrated.

    ``plain``: the store's writer connection, reused for single statements on SQLite.
    ``db``: the SQLite file (default ``settings.db``).
    """
    url = settings.database_url
    if url:
        from bot.state.postgres import PostgresState

        return await PostgresState.open(url.get_secret_value())
    path = str(db if db is not None else settings.db)
    if plain is not None:
        return SqliteState(path, plain=plain)
    return await SqliteState.open(path)
