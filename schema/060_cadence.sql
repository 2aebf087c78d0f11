-- 060_cadence: daily or weekly digests (issue 16, readers item 7).
--
-- subscriptions.cadence is 'daily' (every existing row, and the default)
-- or 'weekly'; subscriptions.weekday is the day of the week a weekly
-- subscription is mailed on, in the subscription's own zone, numbered as
-- cron and strftime('%w') number it: 0 = Sunday, 1 = Monday ... 6 =
-- Saturday.  It is NULL exactly when the cadence is daily.  The CHECKs
-- are equalities and ranges, not IN lists (see 010).
--
-- digests.period_from is the first day ('YYYY-MM-DD') of the period a
-- weekly digest covers (its day is the last); NULL for a daily digest.
-- It is written when the digest is frozen, so the mail and a later
-- re-render name the same period whatever the reader changes since.
ALTER TABLE subscriptions ADD COLUMN cadence TEXT NOT NULL DEFAULT 'daily'
    CHECK (cadence = 'daily' OR cadence = 'weekly');
ALTER TABLE subscriptions ADD COLUMN weekday INTEGER
    CHECK ((cadence = 'daily' AND weekday IS NULL) OR
           (cadence = 'weekly' AND weekday IS NOT NULL AND
            typeof(weekday) = 'integer' AND weekday BETWEEN 0 AND 6));
ALTER TABLE digests ADD COLUMN period_from TEXT
    CHECK (period_from IS NULL OR length(period_from) = 10);
