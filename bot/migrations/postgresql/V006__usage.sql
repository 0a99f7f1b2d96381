-- What members use, as in the SQLite V006 (PostgreSQL has no WITHOUT ROWID: the primary key is
-- the table's one index of its own).
CREATE TABLE usage (
    day TEXT NOT NULL,
    what TEXT NOT NULL CHECK (what IN ('command', 'record')),
    name TEXT NOT NULL,
    count INTEGER NOT NULL DEFAULT 1 CHECK (count >= 1),
    PRIMARY KEY (day, what, name)
);

CREATE INDEX usage_what_day ON usage (what, day);
