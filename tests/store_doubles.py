"""A store that fails where a real one can: a fault injected at a named step of the reload."""

from __future__ import annotations

from typing import Any

from bot.store import Store


class CrashingStore(Store):
    """A :class:`~bot.store.Store` whose reloads fail, while ``crash`` is set, at the moment
    they start writing to SQLite: nothing is written yet and the new index may still be
    building, as with a power cut or a full disk between the build and the swap."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: The error the next reloads fail with; None lets them through.
        self.crash: BaseException | None = None

    async def _write(self, *args: Any, **kwargs: Any) -> None:
        if self.crash is not None:
            raise self.crash
        await super()._write(*args, **kwargs)
