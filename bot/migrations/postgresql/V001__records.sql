-- PostgreSQL: the knowledge (records and their FTS5 index) never lives here; each process keeps
-- its own in its local SQLite file, loaded from data/, so lookups never wait on the network.
-- What stays of V001 is the key/value table: on the shared database it holds what every process
-- must agree on, such as the digest of the last command sync.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
