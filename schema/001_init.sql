-- 001_init: the whole data model as first released.
-- Timestamps are UTC unix seconds.  A day is 'YYYY-MM-DD' in the zone that
-- defines it (the list's schedule zone or the subscription's own).

CREATE TABLE lists (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,       -- [a-z0-9][a-z0-9_-]*
    title         TEXT NOT NULL DEFAULT '',
    description   TEXT NOT NULL DEFAULT '',
    categories    TEXT NOT NULL DEFAULT '',   -- 'cs.LG,cs.CL' (arXiv)
    include_hf    INTEGER NOT NULL DEFAULT 1, -- Hugging Face trending too
    include_replacements INTEGER NOT NULL DEFAULT 0, -- take replace*
    created_at    INTEGER NOT NULL
);

CREATE TABLE subscribers (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE COLLATE NOCASE, -- normalised form
    name          TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL
);

CREATE TABLE subscriptions (
    id            INTEGER PRIMARY KEY,
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
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    confirmed_at  INTEGER,
    unsubscribed_at INTEGER,
    confirm_sent_at INTEGER,                   -- last confirmation mail queued
    last_digest_day TEXT,                      -- last day a digest was frozen
    UNIQUE (subscriber_id, list_id)
);
CREATE INDEX subscriptions_list_status ON subscriptions(list_id, status);

CREATE TABLE papers (
    id            INTEGER PRIMARY KEY,
    arxiv_id      TEXT NOT NULL UNIQUE,        -- canonical, no version
    version       INTEGER NOT NULL DEFAULT 1,
    title         TEXT NOT NULL,
    abstract      TEXT NOT NULL DEFAULT '',
    authors       TEXT NOT NULL DEFAULT '[]',  -- JSON array of names
    categories    TEXT NOT NULL DEFAULT '',    -- 'cs.LG,stat.ML', primary first
    comment       TEXT,
    journal_ref   TEXT,
    doi           TEXT,
    announce_type TEXT,                        -- new|cross|replace|replace-cross
    published_at  INTEGER,                     -- v1 submission (UTC)
    first_seen_at INTEGER NOT NULL,
    first_seen_day TEXT NOT NULL,              -- collection day, UTC
    updated_at    INTEGER NOT NULL,
    in_arxiv      INTEGER NOT NULL DEFAULT 0,  -- seen in an arXiv feed
    hf_day        TEXT,                        -- day it was on HF daily papers
    hf_upvotes    INTEGER NOT NULL DEFAULT 0,
    hf_comments   INTEGER NOT NULL DEFAULT 0,
    github_repo   TEXT,
    github_stars  INTEGER,
    project_page  TEXT,
    ai_summary    TEXT,
    ai_keywords   TEXT                         -- JSON array
);
CREATE INDEX papers_first_seen ON papers(first_seen_at);

CREATE TABLE paper_categories (
    category      TEXT NOT NULL,
    paper_id      INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    PRIMARY KEY (category, paper_id)
) WITHOUT ROWID;

CREATE VIRTUAL TABLE papers_fts USING fts5(
    title, abstract,
    content = 'papers', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER papers_ai AFTER INSERT ON papers BEGIN
    INSERT INTO papers_fts(rowid, title, abstract)
    VALUES (new.id, new.title, new.abstract);
END;
CREATE TRIGGER papers_ad AFTER DELETE ON papers BEGIN
    INSERT INTO papers_fts(papers_fts, rowid, title, abstract)
    VALUES ('delete', old.id, old.title, old.abstract);
END;
CREATE TRIGGER papers_au AFTER UPDATE OF title, abstract ON papers BEGIN
    INSERT INTO papers_fts(papers_fts, rowid, title, abstract)
    VALUES ('delete', old.id, old.title, old.abstract);
    INSERT INTO papers_fts(rowid, title, abstract)
    VALUES (new.id, new.title, new.abstract);
END;

-- One frozen digest per subscription and day: which papers, in which order.
CREATE TABLE digests (
    id            INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
    day           TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    UNIQUE (subscription_id, day)
);
CREATE TABLE digest_items (
    digest_id     INTEGER NOT NULL REFERENCES digests(id) ON DELETE CASCADE,
    rank          INTEGER NOT NULL,            -- 1-based
    paper_id      INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    score         REAL NOT NULL DEFAULT 0,
    why           TEXT NOT NULL DEFAULT '',    -- "matched: kv cache · 87 upvotes"
    PRIMARY KEY (digest_id, rank)
);
CREATE INDEX digest_items_paper ON digest_items(paper_id);

-- The durable outbox (see docs/ARCHITECTURE.md for the state machine).
CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('confirm', 'digest')),
    priority      INTEGER NOT NULL DEFAULT 1,  -- 0 confirm, 1 digest
    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
    digest_id     INTEGER REFERENCES digests(id) ON DELETE CASCADE,
    rcpt          TEXT NOT NULL,
    message_id    TEXT NOT NULL UNIQUE,
    issued_at     INTEGER NOT NULL,            -- baked into tokens and Date
    state         TEXT NOT NULL DEFAULT 'queued'
                  CHECK (state IN ('queued', 'sending', 'deferred', 'sent',
                                   'bounced', 'failed')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    claimed_at    INTEGER,
    sent_at       INTEGER,
    last_reply    TEXT
);
CREATE INDEX outbox_due ON outbox(state, priority, next_attempt_at);
CREATE INDEX outbox_subscription ON outbox(subscription_id);

-- Conditional GET state per fetched URL.
CREATE TABLE fetch_state (
    url           TEXT PRIMARY KEY,
    etag          TEXT,
    last_modified TEXT,
    last_ok_at    INTEGER,
    last_error    TEXT
);

-- One row per source fetched by a collection run.
CREATE TABLE collect_runs (
    id            INTEGER PRIMARY KEY,
    source        TEXT NOT NULL,               -- 'arxiv-rss:cs.LG', 'hf-daily'
    day           TEXT NOT NULL,
    started_at    INTEGER NOT NULL,
    finished_at   INTEGER,
    ok            INTEGER NOT NULL DEFAULT 0,
    fetched       INTEGER NOT NULL DEFAULT 0,
    new           INTEGER NOT NULL DEFAULT 0,
    updated       INTEGER NOT NULL DEFAULT 0,
    skipped       INTEGER NOT NULL DEFAULT 0,
    failed        INTEGER NOT NULL DEFAULT 0,
    duration_ms   INTEGER NOT NULL DEFAULT 0,
    error         TEXT
);
CREATE INDEX collect_runs_day ON collect_runs(day);

-- What the scheduler has done: one row per list, job and day.
CREATE TABLE sched_runs (
    list_id       INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
    job           TEXT NOT NULL CHECK (job IN ('collect', 'send')),
    day           TEXT NOT NULL,
    zone          TEXT NOT NULL DEFAULT '',    -- subscriber zone for send
    done_at       INTEGER NOT NULL,
    PRIMARY KEY (list_id, job, day, zone)
);

INSERT INTO lists (name, title, description, categories, include_hf, created_at)
VALUES ('trending', 'Trending papers',
        'The day''s most upvoted papers on Hugging Face, plus new work in machine learning, language, vision and AI.',
        'cs.LG,cs.CL,cs.CV,cs.AI', 1, CAST(strftime('%s', 'now') AS INTEGER));
