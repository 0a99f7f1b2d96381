-- The audit trail of every load and reload, successful or not.
CREATE TABLE data_load (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    command TEXT NOT NULL,
    version_before TEXT,
    version_after TEXT,
    outcome TEXT NOT NULL CHECK (outcome IN ('applied', 'unchanged', 'rejected', 'failed', 'checked')),
    summary TEXT NOT NULL DEFAULT '{}',
    problems TEXT NOT NULL DEFAULT '[]'
);

CREATE INDEX data_load_at ON data_load (at);
