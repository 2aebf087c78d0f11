-- 050_manage_mail: "manage my subscription" (POST /manage) mails an
-- address the preferences and unsubscribe links of its subscriptions.
-- The outbox gets a third kind, 'manage' (priority 0, like a
-- confirmation), so its CHECK is rebuilt; and subscribers.manage_sent_at
-- holds when the last one was queued: one per address per 24 hours, as
-- for confirmations.  The rebuild keeps what 010 and 020 gave the table:
-- the state CHECK as equalities (no ephemeral table per UPDATE) and the
-- index on digest_id.
CREATE TABLE outbox_050 (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('confirm', 'digest', 'manage')),
    priority      INTEGER NOT NULL DEFAULT 1,  -- 0 confirm and manage, 1 digest
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
    retried_at    INTEGER
);
INSERT INTO outbox_050 (id, kind, priority, subscription_id, digest_id, rcpt,
    message_id, issued_at, state, attempts, created_at, next_attempt_at,
    claimed_at, sent_at, last_reply, retried_at)
SELECT id, kind, priority, subscription_id, digest_id, rcpt, message_id,
    issued_at, state, attempts, created_at, next_attempt_at, claimed_at,
    sent_at, last_reply, retried_at
FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_050 RENAME TO outbox;
CREATE INDEX outbox_due ON outbox(state, priority, next_attempt_at);
CREATE INDEX outbox_subscription ON outbox(subscription_id);
CREATE INDEX outbox_digest ON outbox(digest_id);

ALTER TABLE subscribers ADD COLUMN manage_sent_at INTEGER;
