-- 010_outbox_state_check: outbox.state's CHECK as a chain of equalities
-- instead of an IN list.  Same rule, same rows; but SQLite evaluates an IN
-- list of more than two constants by building a temporary table, at every
-- UPDATE that changes the state (twice per message: claim and result),
-- and the delivery workers used to switch CHECK constraints off on their
-- connections to avoid that.  With equalities every connection keeps
-- every constraint.  The table is rebuilt (SQLite cannot alter a CHECK);
-- db_migrate() runs this with foreign keys off and checks them after.
CREATE TABLE outbox_010 (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('confirm', 'digest')),
    priority      INTEGER NOT NULL DEFAULT 1,  -- 0 confirm, 1 digest
    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
    digest_id     INTEGER REFERENCES digests(id) ON DELETE CASCADE,
    rcpt          TEXT NOT NULL,
    message_id    TEXT NOT NULL UNIQUE,
    issued_at     INTEGER NOT NULL,            -- baked into tokens and Date
    state         TEXT NOT NULL DEFAULT 'queued'
                  CHECK (state = 'queued' OR state = 'sending' OR
                         state = 'deferred' OR state = 'sent' OR
                         state = 'bounced' OR state = 'failed'),
    attempts      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    claimed_at    INTEGER,
    sent_at       INTEGER,
    last_reply    TEXT,
    retried_at    INTEGER                      -- see 004_outbox_retry
);
INSERT INTO outbox_010 (id, kind, priority, subscription_id, digest_id, rcpt,
                        message_id, issued_at, state, attempts, created_at,
                        next_attempt_at, claimed_at, sent_at, last_reply,
                        retried_at)
    SELECT id, kind, priority, subscription_id, digest_id, rcpt, message_id,
           issued_at, state, attempts, created_at, next_attempt_at,
           claimed_at, sent_at, last_reply, retried_at
    FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_010 RENAME TO outbox;
CREATE INDEX outbox_due ON outbox(state, priority, next_attempt_at);
CREATE INDEX outbox_subscription ON outbox(subscription_id);
