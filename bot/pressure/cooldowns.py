"""Per-member cooldowns that cost the same with ten members or ten thousand.

discord.py's ``app_commands.checks.cooldown`` sweeps its whole mapping on every use (a list of
every key whose window ended), so under a burst from thousands of members each /ask paid for
all of them: about 5 % of the bot's CPU in the burst benchmark at 1,200 in flight. Here each
member has one fixed window (``rate`` uses per ``per`` seconds from its first use, as
discord.py counts them), and windows live in a dict in the order they started, so the expired
ones are always at its front: each use drops at most the few that ended, never scans the rest.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass


@dataclass(slots=True)
class _Window:
    started: float
    used: int


class Cooldowns:
    """``rate`` uses per ``per`` seconds for each key (a member id), counted from the first."""

    def __init__(self, rate: int, per: float) -> None:
        if rate < 1 or per <= 0:
            raise ValueError("a cooldown needs rate >= 1 and per > 0")
        self.rate = rate
        self.per = per
        self._windows: dict[Hashable, _Window] = {}

    def __len__(self) -> int:
        return len(self._windows)

    def hit(self, key: Hashable, now: float) -> float | None:
        """Count one use of ``key`` at ``now`` (seconds); ``None`` if allowed, else the seconds
        left until the key may use it again (the use is then not counted)."""
        self._expire(now)
        window = self._windows.get(key)
        if window is None or now >= window.started + self.per:
            # A new window: re-inserted at the end, so the dict stays in start order.
            self._windows.pop(key, None)
            self._windows[key] = _Window(now, 1)
            return None
        if window.used < self.rate:
            window.used += 1
            return None
        return window.started + self.per - now

    def _expire(self, now: float) -> None:
        windows = self._windows
        while windows:
            key = next(iter(windows))
            if now < windows[key].started + self.per:
                return
            del windows[key]
