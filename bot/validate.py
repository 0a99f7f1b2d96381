"""``smartups validate``: every problem of a data folder, from summaries, with a cache.

It reports exactly what a full load (:meth:`bot.loader.Loader.load`) would: each file's own
problems (parsed and validated by the loader's own per-file job), then the checks across
files (:func:`bot.crosscheck.cross_check`, the same function the full load runs). But it
never keeps a model: each file is reduced to its :class:`~bot.crosscheck.FileSummary`, in
the child process that validated it (a few kB instead of the pickled models of 250 records),
and the summaries of files whose bytes did not change since the last run come from
:mod:`bot.validate_cache`. At 100,000 records, one file edited: hash every file, load the
cached summaries, validate one file, run the checks across all of them.

Measured at real-shape 100,000 (423 files, 112 MB; 2 cores shared with other sessions, load
average ~4), back to back against the full load the command ran before: cold 16.3 s (full
load 24.0 s), unchanged 1.8 s, one file edited 2.0 s (of which ~0.7 s is importing the
command line); peak RSS 163-175 MB (full load 375 MB).
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from bot.crosscheck import FileSummary, cross_check
from bot.errors import DataProblem
from bot.loader import (
    MAX_PARSE_WORKERS,
    PARALLEL_MIN_BYTES,
    PARALLEL_MIN_FILES,
    Loader,
    _validate_job,
    data_version,
    discover,
    file_summary,
)
from bot.memory import gc_paused
from bot.validate_cache import ValidateCache
from bot.yamlio import MAX_FILE_BYTES

log = logging.getLogger(__name__)

#: What a file's validation needs: path, display name, sha256 ("" to let the job read and
#: hash it), its bytes when the parent kept them, the size limit (as Loader's jobs).
Job = tuple[Path, str, str, bytes | None, int]


@dataclass(frozen=True)
class Validation:
    """What ``smartups validate`` reports: the problems, or the data's version and counts."""

    problems: list[DataProblem]
    #: Records per kind ("city": 2, ...), as :meth:`bot.loader.Dataset.counts` gives them.
    counts: dict[str, int]
    #: The data version a load of this folder would have (bot.loader.data_version).
    version: str
    #: Files whose summary came from the cache, and files validated in this run.
    cached: int = 0
    checked: int = 0


def validate_folder(
    data_dir: Path, cache: ValidateCache | None = None, *, max_file_bytes: int = MAX_FILE_BYTES
) -> Validation:
    """Every problem of ``data_dir``, as a full load reports them; ``cache`` may be None."""
    with gc_paused():
        return _validate(Path(data_dir), cache, max_file_bytes)


def _validate(data_dir: Path, cache: ValidateCache | None, max_bytes: int) -> Validation:
    if not data_dir.is_dir():
        problem = DataProblem(
            str(data_dir), 0, 0, "", "no such folder", "a folder of YAML data files"
        )
        return Validation([problem], {}, "")
    namer = Loader(data_dir, max_file_bytes=max_bytes)
    slots: list[FileSummary | None] = []
    jobs: list[tuple[int, Job]] = []
    # Nothing cached (a first run, --no-cache): the jobs read and hash their files themselves,
    # so the child processes start at once instead of after this process read the folder.
    lookup = cache is not None and cache.has_entries()
    pending = 0  # bytes of the files to check
    kept = 0  # of which read here (for in-process jobs, up to PARALLEL_MIN_BYTES)
    for path in discover(data_dir):
        name = namer.display_name(path)
        try:
            size = path.stat().st_size
            raw = path.read_bytes() if lookup and size <= max_bytes else None
        except OSError as exc:
            problem = DataProblem(name, 0, 0, "", f"unreadable ({exc.strerror})", "a readable file")
            slots.append(FileSummary(name, "", None, (problem,), ()))
            continue
        sha = ""
        if lookup:
            sha = hashlib.sha256(raw).hexdigest() if raw is not None else f"size:{size}"
            cached = cache.get(name, sha) if cache is not None else None
            if cached is not None:
                slots.append(cached)
                continue
        pending += size
        if raw is not None and kept < PARALLEL_MIN_BYTES:
            kept += len(raw)
        else:
            raw = None
        jobs.append((len(slots), (path, name, sha, raw, max_bytes)))
        slots.append(None)
    cached_count = len(slots) - len(jobs)
    for (position, _), summary in zip(
        jobs, _check_files([job for _, job in jobs], pending), strict=True
    ):
        slots[position] = summary
    summaries = [s for s in slots if s is not None]
    if not summaries:
        problem = DataProblem(str(data_dir), 0, 0, "", "no .yaml files", "at least one data file")
        return Validation([problem], {}, "")
    if cache is not None:
        cache.save(summaries)
    checked = cross_check(summaries)
    file_hashes = {s.name: s.sha256 for s in summaries}
    return Validation(
        checked.problems,
        {kind.value: n for kind, n in checked.counts.items()},
        data_version(file_hashes),
        cached_count,
        len(jobs),
    )


def _check_files(work: list[Job], pending: int) -> list[FileSummary]:
    """Each file's summary, in child processes when there is much to parse (as the loader:
    every core, and the parser's transient memory out of this process)."""
    workers = min(os.cpu_count() or 1, MAX_PARSE_WORKERS, len(work))
    if pending < PARALLEL_MIN_BYTES or len(work) < PARALLEL_MIN_FILES or workers < 2:
        # The command line runs no other thread: the fast parser may be used here too (it
        # may silence file descriptor 2 for a moment, see the loader's job).
        fast = threading.active_count() == 1
        return [file_summary(_validate_job(job, fast=fast)) for job in work]
    work = [(path, name, sha, None, limit) for path, name, sha, _, limit in work]  # they read
    context = multiprocessing.get_context("forkserver")  # see Loader._parse
    context.set_forkserver_preload(["bot.validate"])
    log.info("validating %d files in %d processes", len(work), workers)
    try:
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            blobs = pool.map(_summary_job, work, chunksize=2)
            return [
                FileSummary.from_plain(job[1], marshal.loads(blob))
                for job, blob in zip(work, blobs, strict=True)
            ]
    except (BrokenProcessPool, OSError) as exc:  # no processes here: do it ourselves
        log.warning("validating in child processes failed (%s); validating in-process", exc)
        return [file_summary(_validate_job(job)) for job in work]


def _summary_job(job: Job) -> bytes:
    """In a child process (single-threaded: the fast parser may be used, see the loader's
    job): one file's summary, marshalled (a few kB to send back)."""
    return marshal.dumps(file_summary(_validate_job(job, fast=True)).plain())
