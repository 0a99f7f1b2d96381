-- What members use, for /data stats (issue 15, point 4): how often each command ran and each
-- record was looked up, per UTC day. Counts only: no user id, no guild, no channel, no option
-- text (a record is named by kind and id, a command by its name). Days older than the retention
-- period (SMARTUPS_COUNTS_RETENTION_DAYS, default 180) are dropped by bot.usage.prune.
CREATE TABLE usage (
    day TEXT NOT NULL,
    what TEXT NOT NULL CHECK (what IN ('command', 'record')),
    name TEXT NOT NULL,
    count INTEGER NOT NULL DEFAULT 1 CHECK (count >= 1),
    PRIMARY KEY (day, what, name)
) WITHOUT ROWID;

CREATE INDEX usage_what_day ON usage (what, day);
