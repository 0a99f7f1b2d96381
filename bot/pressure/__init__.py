"""Serving interactions under load: the budget counted from an interaction's creation, a
first-come-first-served line of CPU-heavy work in worker threads, and the busy decision.

Nothing here imports discord.py: the cog asks :class:`Pressure` whether to serve, runs the heavy
part through it, and defers when :meth:`Pressure.until_defer` runs out.
"""

from bot.pressure.budget import ACK_DEADLINE, Budget, age, until_defer
from bot.pressure.gate import Admission, Pressure, decide, of
from bot.pressure.queue import WorkQueue
from bot.pressure.threads import run_here
from bot.pressure.turnstile import Ticket, Turnstile

__all__ = [
    "ACK_DEADLINE",
    "Admission",
    "Budget",
    "Pressure",
    "Ticket",
    "Turnstile",
    "WorkQueue",
    "age",
    "decide",
    "of",
    "run_here",
    "until_defer",
]
