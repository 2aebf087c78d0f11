-- 009_ids_never_reused: subscriptions.id and digests.id become
-- AUTOINCREMENT, so the id of a deleted row is never given to a new one:
-- links carry only (id, issue time), and a removed subscriber's old links
-- must not reach the next person's subscription or digest.  db_migrate()
-- runs this with foreign keys off (the tables are rebuilt, and DROP TABLE
-- would otherwise cascade into digests and the outbox) and checks them
-- before it commits.
--
-- created_at is also the earliest issue time a token for the row may
-- carry (http_token.c refuses older ones).  Tokens already in mailboxes
-- were issued at the outbox row's issued_at or the digest's created_at,
-- never before the row was made; the MIN() below keeps them valid even
-- where a clock went backwards.
--
-- pending_at: when the current pending period began (created, or
-- re-subscribed after leaving or bouncing).  A confirmation link issued
-- before it is refused, so an old link cannot confirm a later sign-up.
-- Existing rows get created_at, which keeps every link they have valid.
CREATE TABLE subscriptions_009 (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
    list_id       INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
    status        TEXT NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'confirmed', 'unsubscribed',
                                    'bounced')),
    paused        INTEGER NOT NULL DEFAULT 0,  -- confirmed but not mailed
    keywords      TEXT NOT NULL DEFAULT '',    -- 'kv cache, "flash attention", -rl'
    categories    TEXT NOT NULL DEFAULT '',    -- filter; '' = the list's
    max_papers    INTEGER NOT NULL DEFAULT 10 CHECK (max_papers BETWEEN 1 AND 50),
    timezone      TEXT NOT NULL DEFAULT '',    -- IANA; '' = [schedule] timezone
    hard_bounces  INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,            -- also: oldest valid token
    updated_at    INTEGER NOT NULL,
    confirmed_at  INTEGER,
    unsubscribed_at INTEGER,
    confirm_sent_at INTEGER,                   -- last confirmation mail queued
    last_digest_day TEXT,                      -- last day a digest was frozen
    pending_at    INTEGER NOT NULL DEFAULT 0,  -- current pending period began
    UNIQUE (subscriber_id, list_id)
);
INSERT INTO subscriptions_009 (id, subscriber_id, list_id, status, paused,
    keywords, categories, max_papers, timezone, hard_bounces, created_at,
    updated_at, confirmed_at, unsubscribed_at, confirm_sent_at,
    last_digest_day, pending_at)
SELECT s.id, s.subscriber_id, s.list_id, s.status, s.paused, s.keywords,
    s.categories, s.max_papers, s.timezone, s.hard_bounces,
    min(s.created_at,
        COALESCE((SELECT min(o.issued_at) FROM outbox o
                  WHERE o.subscription_id = s.id), s.created_at),
        COALESCE((SELECT min(d.created_at) FROM digests d
                  WHERE d.subscription_id = s.id), s.created_at)),
    s.updated_at, s.confirmed_at, s.unsubscribed_at, s.confirm_sent_at,
    s.last_digest_day, 0
FROM subscriptions s;
UPDATE subscriptions_009 SET pending_at = created_at;
DROP TABLE subscriptions;
ALTER TABLE subscriptions_009 RENAME TO subscriptions;
CREATE INDEX subscriptions_list_status ON subscriptions(list_id, status);

CREATE TABLE digests_009 (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
    day           TEXT NOT NULL,
    created_at    INTEGER NOT NULL,            -- also: oldest valid token
    UNIQUE (subscription_id, day)
);
INSERT INTO digests_009 (id, subscription_id, day, created_at)
SELECT d.id, d.subscription_id, d.day,
    min(d.created_at,
        COALESCE((SELECT min(o.issued_at) FROM outbox o
                  WHERE o.digest_id = d.id), d.created_at))
FROM digests d;
DROP TABLE digests;
ALTER TABLE digests_009 RENAME TO digests;
