-- Several processes (issue 17): who claimed a spotlight slot, and which processes are alive.
--
-- claimed_by names the process (an id made at its start) whose claim a 'sending' row is: a
-- claim whose process still beats is being sent right now and is left alone; one whose process
-- stopped beating was interrupted between claim and record and becomes 'unknown' (never
-- re-sent), as a single process's restart does.
ALTER TABLE spotlight_history ADD COLUMN claimed_by TEXT;

-- One row per running process: its shards and the data version it serves, refreshed every few
-- seconds; /data status lists them, the spotlight reads them to tell live claims from dead ones.
CREATE TABLE process (
    instance TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    shards TEXT NOT NULL DEFAULT '',
    data_version TEXT,
    started_at TEXT NOT NULL,
    beat_at TEXT NOT NULL
);

CREATE INDEX process_beat_at ON process (beat_at);
