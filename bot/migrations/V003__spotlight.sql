-- SmartUp spotlight: one startup profiled per guild per week, in a fair rotation.
--
-- spotlight_schedule holds one row per guild: where and when to post (a weekday and a local
-- wall-clock time in an IANA zone, so the post follows daylight saving), whether it is paused,
-- the rotation state (a random seed, the current cycle, an optional moderator override) and the
-- last result, so a status command can show why the last post failed.
CREATE TABLE spotlight_schedule (
    guild_id INTEGER PRIMARY KEY,
    channel_id INTEGER NOT NULL,
    weekday INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    local_time TEXT NOT NULL CHECK (local_time GLOB '[0-2][0-9]:[0-5][0-9]'),
    timezone TEXT NOT NULL DEFAULT 'Asia/Hong_Kong',
    paused INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    active_from TEXT NOT NULL,
    seed TEXT NOT NULL,
    cycle INTEGER NOT NULL DEFAULT 1 CHECK (cycle >= 1),
    next_startup TEXT,
    last_outcome TEXT CHECK (last_outcome IN ('posted', 'failed', 'unknown')),
    last_reason TEXT,
    last_detail TEXT,
    last_at TEXT,
    last_slot_key TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- spotlight_history is both the claim table and the history. A scheduled slot is claimed by
-- inserting its row (state 'sending') and committing BEFORE the message is sent; the UNIQUE
-- slot_key is what makes a slot impossible to post twice. Manual posts and skips get their own
-- keys. startup_id deliberately has no foreign key: a startup removed from the data keeps its
-- history. Times are UTC ISO 8601.
CREATE TABLE spotlight_history (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL,
    slot_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('scheduled', 'manual', 'skip')),
    startup_id TEXT,
    cycle INTEGER NOT NULL,
    slot_at TEXT NOT NULL,
    state TEXT NOT NULL
        CHECK (state IN ('sending', 'posted', 'failed', 'skipped', 'unknown')),
    channel_id INTEGER,
    message_id INTEGER,
    posted_at TEXT,
    reason TEXT,
    detail TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE INDEX spotlight_history_guild ON spotlight_history (guild_id, id);

CREATE INDEX spotlight_history_cycle ON spotlight_history (guild_id, cycle, state);

CREATE INDEX spotlight_history_sending ON spotlight_history (state) WHERE state = 'sending';
