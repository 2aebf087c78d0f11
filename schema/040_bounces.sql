-- 040_bounces: asynchronous bounces and complaints read from the bounce
-- mailbox (issue 17 section 3).
--
-- suppressions: addresses never to be mailed or imported again, keyed by
-- a keyed hash, so the table can hold addresses whose subscriber rows are
-- gone (an erased subscriber) without keeping the address itself.
-- addr_hash = HMAC-SHA256(token key, "s|" || lower-case normalised
-- address) (db_suppress.c); a new [web] secret therefore forgets them,
-- as it invalidates every link.  reason says who put the row there;
-- detail is a status code or a word, never the address.
CREATE TABLE suppressions (
    addr_hash     BLOB PRIMARY KEY,            -- 32 bytes, see above
    reason        TEXT NOT NULL
                  CHECK (reason IN ('hard_bounce', 'soft_bounces',
                                    'complaint', 'erased', 'manual')),
    detail        TEXT NOT NULL DEFAULT '',    -- '5.1.1', ...
    created_at    INTEGER NOT NULL
) WITHOUT ROWID;

-- One row per recipient of every bounce or complaint processed.  msg_key
-- (SHA-256 of the report message as read) with rcpt_no makes processing
-- the same message twice (a crash between commit and delete) a no-op.
-- list_id and day name the mailing (a digest's day) for the guard; both
-- NULL when the message could not be matched or was a confirmation.
CREATE TABLE bounce_events (
    id            INTEGER PRIMARY KEY,
    msg_key       BLOB NOT NULL,
    rcpt_no       INTEGER NOT NULL,
    kind          TEXT NOT NULL
                  CHECK (kind IN ('hard', 'soft', 'complaint', 'unmatched')),
    status        TEXT NOT NULL DEFAULT '',    -- '5.1.1', 'abuse'
    format        TEXT NOT NULL DEFAULT '',    -- 'dsn', 'arf', 'qmail', ...
    subscriber_id INTEGER REFERENCES subscribers(id) ON DELETE SET NULL,
    subscription_id INTEGER REFERENCES subscriptions(id) ON DELETE SET NULL,
    list_id       INTEGER REFERENCES lists(id) ON DELETE SET NULL,
    day           TEXT,                        -- the mailing's day
    at            INTEGER NOT NULL,
    UNIQUE (msg_key, rcpt_no)
);
CREATE INDEX bounce_events_subscriber ON bounce_events(subscriber_id, kind, at);
CREATE INDEX bounce_events_mailing ON bounce_events(list_id, day);
-- ON DELETE SET NULL from subscriptions looks the rows up by it
CREATE INDEX bounce_events_subscription ON bounce_events(subscription_id);

-- Lists whose delivery the guard paused: while resumed_at is NULL their
-- mail is neither claimed nor dropped by the delivery workers; `paperboy
-- list resume NAME` sets resumed_at.  day is the mailing that tripped the
-- guard: late reports about that same mailing do not pause the list
-- again once it was resumed, a later mailing's do.
CREATE TABLE list_pauses (
    list_id       INTEGER PRIMARY KEY REFERENCES lists(id) ON DELETE CASCADE,
    day           TEXT NOT NULL,               -- the mailing, 'YYYY-MM-DD'
    reason        TEXT NOT NULL,               -- for /healthz
    paused_at     INTEGER NOT NULL,
    resumed_at    INTEGER                      -- NULL while paused
);
