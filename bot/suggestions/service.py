"""Suggest, accept, reject: the one path the cogs and the command line share.

An accept is: check the field still holds the value the member saw (in the file itself, so a
hand edit not yet reloaded counts), write the one field, validate the whole data folder with
the loader, reload through :meth:`bot.store.Store.reload` (audited there), and only then mark
the suggestion accepted. If any step after the write fails, the file is put back byte for byte.
One lock per service serializes accepts, so two moderators never interleave writes; the store's
own lock serializes the reload with every other reload.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.clock import Clock, utcnow
from bot.config import Settings
from bot.errors import DataProblem
from bot.loader import Loader
from bot.model import Kind, Record
from bot.state import open_state
from bot.store import ReloadReport, Store
from bot.suggestions import yaml_writer
from bot.suggestions.errors import (
    AcceptConflict,
    AcceptNotWritable,
    AcceptRejectedByData,
    SuggestionInvalid,
)
from bot.suggestions.fields import (
    NEW_RECORD,
    NEW_RECORD_KIND,
    check_new_record,
    check_source,
    check_suggestion,
)
from bot.suggestions.models import Suggestion
from bot.suggestions.storage import DEFAULT_LIMITS, Limits, NewSuggestion, SuggestionStore

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Author:
    """Who suggests: the Discord id (for limits and the outcome DM), a name, a language."""

    id: int
    name: str
    lang: str = "en"
    guild_id: int | None = None


@dataclass(frozen=True, slots=True)
class Accepted:
    """An accepted suggestion, the file it changed and the reload that made it live."""

    suggestion: Suggestion
    file: Path
    report: ReloadReport


class SuggestionService:
    """The queue's operations over the live store and the data folder."""

    def __init__(self, store: Store, queue: SuggestionStore, *, owns_state: bool = False) -> None:
        self.store = store
        self.queue = queue
        self._accepting = asyncio.Lock()
        self._owns_state = owns_state

    @classmethod
    async def connect(cls, store: Store, settings: Settings, *, clock: Clock = utcnow,
                      limits: Limits = DEFAULT_LIMITS) -> SuggestionService:
        """A service on a state of its own, the one ``settings`` name (the command line)."""
        state = await open_state(settings, db=store.db_path)
        return cls(store, SuggestionStore(state, clock=clock, limits=limits), owns_state=True)

    async def close(self) -> None:
        if self._owns_state:
            await self.queue.db.close()

    @property
    def data_dir(self) -> Path:
        return self.store.data_dir

    def record(self, kind: str, record_id: str) -> Record | None:
        return self.store.current.dataset.records.get(Kind(kind), {}).get(record_id)

    async def suggest(self, author: Author, kind: str, record_id: str, field: str,
                      value_text: str, source_text: str) -> Suggestion:
        """Check a change to one field and queue it; raises with the exact problem."""
        snapshot = self.store.current
        record = self.record(kind, record_id)
        if record is None:
            raise SuggestionInvalid("record", "unknown_record", record_id)
        value, seen = check_suggestion(kind, record, field, value_text)
        source = check_source(source_text)
        return await self.queue.add(NewSuggestion(
            kind, record_id, field, value, seen, source, author.id, author.name, author.lang,
            author.guild_id, snapshot.version,
        ))

    async def suggest_new(self, author: Author, name: str, description: str,
                          source_text: str) -> Suggestion:
        """Queue a new startup (a name, a description and a source are required)."""
        snapshot = self.store.current
        existing = set(snapshot.dataset.records.get(Kind.STARTUP, {}))
        data = check_new_record(name, description, existing)
        source = check_source(source_text)
        data["sources"] = [source]
        return await self.queue.add(NewSuggestion(
            NEW_RECORD_KIND, data["id"], NEW_RECORD, data, None, source, author.id,
            author.name, author.lang, author.guild_id, snapshot.version,
        ))

    async def reject(self, number: int, actor: str, reason: str) -> Suggestion:
        await self.queue.pending(number)
        return await self.queue.decide(number, "rejected", actor, reason.strip()[:1000])

    async def accept(self, number: int, actor: str, note: str | None = None) -> Accepted:
        """Write, validate, reload; refuse on a conflict; restore the file on any failure."""
        async with self._accepting:
            suggestion = await self.queue.pending(number)
            path, original, changed = self._change(suggestion)
            before = self.store.current.version
            try:
                yaml_writer.replace_file(path, changed)
            except OSError as exc:  # a read-only data folder: the file is untouched
                await self.queue.record_event(number, actor, "accept_refused", {
                    "not_writable": path.name, "reason": exc.strerror or str(exc)})
                raise AcceptNotWritable(number, path.name, exc.strerror or str(exc)) from exc
            try:
                problems = await self._validate()
                if problems:
                    raise AcceptRejectedByData(number, problems)
                command = f"suggestion accept #{number}"
                report = await self.store.reload(actor=actor, command=command)
                if not report.ok:
                    raise AcceptRejectedByData(number, report.problems or [
                        DataProblem(path.name, 0, 0, "", report.error or report.outcome,
                                    "a reload that applies")
                    ])
            except BaseException as exc:
                yaml_writer.replace_file(path, original)
                if isinstance(exc, AcceptRejectedByData):
                    await self.queue.record_event(number, actor, "accept_refused", {
                        "problems": [p.as_dict() for p in exc.problems[:20]]})
                raise
            decided = await self.queue.decide(
                number, "accepted", actor, note, version_before=before,
                version_after=report.version_after,
            )
            log.info("suggestion #%d accepted by %s into %s", number, actor, path.name)
            return Accepted(decided, path, report)

    def preview(self, suggestion: Suggestion) -> tuple[Path, bytes, bytes]:
        """The file and its bytes before and after the change (nothing is written)."""
        return self._change(suggestion)

    def _change(self, suggestion: Suggestion) -> tuple[Path, bytes, bytes]:
        if suggestion.field == NEW_RECORD:
            if yaml_writer.find_record(self.data_dir, suggestion.kind, suggestion.record_id):
                raise AcceptConflict(suggestion.id, None, suggestion.record_id)
            where = yaml_writer.section_file(self.data_dir, suggestion.kind)
            if where is None:
                raise SuggestionInvalid("record", "no_file", suggestion.kind)
            original = where.path.read_bytes()
            return where.path, original, yaml_writer.add_record(
                original, where.section, suggestion.value)
        found = yaml_writer.find_record(self.data_dir, suggestion.kind, suggestion.record_id)
        if found is None:
            raise AcceptConflict(suggestion.id, suggestion.seen, None)
        original = found.path.read_bytes()
        current = self._current_in_file(original, found.section, suggestion)
        if current != suggestion.seen:
            raise AcceptConflict(suggestion.id, suggestion.seen, current)
        changed = yaml_writer.set_field(original, suggestion.kind, found.section,
                                        suggestion.record_id, suggestion.field, suggestion.value)
        return found.path, original, changed

    @staticmethod
    def _current_in_file(raw: bytes, section: str, suggestion: Suggestion) -> Any:
        value = yaml_writer.read_field(raw, section, suggestion.record_id, suggestion.field)
        return value.strip() if isinstance(value, str) else value  # the model strips text

    async def _validate(self) -> list[DataProblem]:
        outcome = await asyncio.to_thread(Loader(self.data_dir).load)
        return outcome.problems if outcome.dataset is None else []
