-- The live knowledge: one row per record, the validated JSON beside the columns we filter on,
-- and an FTS5 index over names, aliases, tags, descriptions and figures (CJK spaced out).
CREATE TABLE record (
    rowid INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    city TEXT,
    sector TEXT,
    data TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (kind, id)
);

CREATE INDEX record_city ON record (city);

CREATE VIRTUAL TABLE record_fts USING fts5 (
    name, aliases, tags, description, figures,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- Which data is live: data_version, loaded_at, loaded_by, file hashes (JSON), extras (JSON).
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
