-- Uses counted per key and fixed window: record opens and searches per user per hour
-- (registry/limits.py). Any later limit (per API token) is another key in the same table.
CREATE TABLE usage_count (
    key text NOT NULL CHECK (length(key) <= 200),
    window_start timestamptz NOT NULL,
    used integer NOT NULL CHECK (used > 0),
    PRIMARY KEY (key, window_start)
);
CREATE INDEX usage_count_window ON usage_count (window_start);

GRANT SELECT, INSERT, UPDATE, DELETE ON usage_count TO crosscheck_app;
