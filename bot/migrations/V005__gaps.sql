-- Questions the knowledge could not answer (issue 15, point 4), counted by normalized question.
-- No user id and no guild member data: only the question, its language, why it was a gap
-- (nothing found, a "did you mean" guess, or "the data does not say"), how often and when.
-- Rows not seen for the retention period (default 180 days) are dropped by bot.gaps.prune.
CREATE TABLE gap (
    question TEXT NOT NULL,
    lang TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('not_found', 'did_you_mean', 'not_said')),
    count INTEGER NOT NULL DEFAULT 1 CHECK (count >= 1),
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    PRIMARY KEY (question, lang, reason)
);

CREATE INDEX gap_last_seen ON gap (last_seen);
