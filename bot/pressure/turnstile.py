"""At most a few interactions between arrival and acknowledgement at once, in arrival order.

An asyncio loop is fair per step, not per interaction: with 1,200 interactions started at
once, each one's few steps (handler, request, response) wait behind every other's, so they
all finish together, late, and Discord refuses nearly all of them (the burst benchmark at 1,200
in flight: 1,624 acknowledgements after the 3 s with the bot's CPU at 68 %). Behind a
turnstile, the interactions inside finish their steps quickly while the rest wait in line,
which costs nothing; they are served in the order they came, and one that waited too long is
dropped by the caller instead of spending two failing requests.

A ticket is given back when its interaction is acknowledged, when its task ends, or at the
latest ``hold`` seconds after it was taken, whichever comes first: a slow admin command (a
reload) cannot keep a slot, and a bug cannot leak one for good.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib


class Ticket:
    """One interaction's place inside the turnstile; :meth:`leave` is safe to call often."""

    __slots__ = ("_owner", "_timer", "left")

    def __init__(self, owner: Turnstile, hold: float) -> None:
        self._owner = owner
        self.left = False
        self._timer = asyncio.get_running_loop().call_later(hold, self.leave)

    def leave(self) -> None:
        if self.left:
            return
        self.left = True
        self._timer.cancel()
        self._owner._release()


class Turnstile:
    """``size`` tickets, handed out first come, first served."""

    def __init__(self, size: int = 24, hold: float = 3.0) -> None:
        if size < 1:
            raise ValueError("a turnstile needs at least one ticket")
        self.size = size
        self.hold = hold
        self.inside = 0
        self._line: collections.deque[asyncio.Future[None]] = collections.deque()

    @property
    def waiting(self) -> int:
        return len(self._line)

    async def enter(self) -> Ticket:
        """Wait for a ticket (at once when one is free and nobody waits)."""
        if self.inside < self.size and not self._line:
            self.inside += 1
            return Ticket(self, self.hold)
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._line.append(turn)
        try:
            await turn  # the leaving ticket counted us inside when it woke us
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._release()  # woken and cancelled at once: pass the place on
            else:
                with contextlib.suppress(ValueError):
                    self._line.remove(turn)
            raise
        return Ticket(self, self.hold)

    def _release(self) -> None:
        while self._line:
            turn = self._line.popleft()
            if not turn.done():
                turn.set_result(None)  # the place passes straight to the head of the line
                return
        self.inside -= 1
