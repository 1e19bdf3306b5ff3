CREATE TABLE schools (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    last_seen DOUBLE PRECISION NOT NULL,
    last_beat_id TEXT,
    summary TEXT,
    offline_since DOUBLE PRECISION,
    pull_cursor BIGINT NOT NULL DEFAULT 0,
    pull_lease_until DOUBLE PRECISION NOT NULL DEFAULT 0,
    pull_error TEXT
);
-- Partitioned by the event's own time (Unix seconds), one partition a month:
-- an id always carries the same time, so the key (id, time) is unique by id.
CREATE TABLE events (
    id TEXT NOT NULL,
    school TEXT NOT NULL,
    time DOUBLE PRECISION NOT NULL,
    received DOUBLE PRECISION NOT NULL,
    type TEXT NOT NULL,
    severity TEXT NOT NULL,
    drill INTEGER NOT NULL,
    agent TEXT NOT NULL,
    subject TEXT,
    body TEXT NOT NULL,
    PRIMARY KEY (id, time)
) PARTITION BY RANGE (time);
CREATE TABLE events_default PARTITION OF events DEFAULT;
CREATE INDEX events_school_time ON events (school, time);
CREATE TABLE facts (
    school TEXT NOT NULL,
    key TEXT NOT NULL,
    at DOUBLE PRECISION NOT NULL,
    event_id TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (school, key)
);
CREATE TABLE alerts (
    id BIGSERIAL PRIMARY KEY,
    school TEXT NOT NULL,
    kind TEXT NOT NULL,
    raised_at DOUBLE PRECISION NOT NULL,
    cleared_at DOUBLE PRECISION,
    acked_at DOUBLE PRECISION,
    acked_by TEXT
);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    role TEXT NOT NULL,
    csrf TEXT NOT NULL,
    expires DOUBLE PRECISION NOT NULL
);
