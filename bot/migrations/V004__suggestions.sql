-- Members' suggestions and the review queue (issue 15).
--
-- One row per suggestion: what it changes (kind, record_id, field; field '*new*' proposes a new
-- record whose fields are in value), the proposed value and the value seen when it was made
-- (JSON; the accept refuses when the field no longer holds the seen value), the source URL,
-- who suggested it (the Discord id is kept to tell them the outcome and to count their limits)
-- and the decision. Times are UTC ISO 8601.
CREATE TABLE suggestion (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    seen TEXT NOT NULL DEFAULT 'null',
    source TEXT NOT NULL,
    author_id INTEGER NOT NULL,
    author_name TEXT NOT NULL,
    lang TEXT NOT NULL DEFAULT 'en',
    guild_id INTEGER,
    state TEXT NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'accepted', 'rejected')),
    data_version TEXT,
    created_at TEXT NOT NULL,
    decided_at TEXT,
    decided_by TEXT,
    reason TEXT,
    notified TEXT CHECK (notified IN ('sent', 'dm_closed', 'failed'))
);

CREATE INDEX suggestion_state ON suggestion (state, id);

CREATE INDEX suggestion_author ON suggestion (author_id, created_at);

CREATE INDEX suggestion_record ON suggestion (kind, record_id, state);

-- The audit trail of the queue: every suggestion made, accepted, rejected, refused at accept
-- (conflict, invalid data) and every outcome message, with the data versions around an accept.
CREATE TABLE suggestion_event (
    id INTEGER PRIMARY KEY,
    suggestion_id INTEGER NOT NULL REFERENCES suggestion (id),
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    version_before TEXT,
    version_after TEXT,
    detail TEXT NOT NULL DEFAULT '{}'
);

CREATE INDEX suggestion_event_at ON suggestion_event (at);
