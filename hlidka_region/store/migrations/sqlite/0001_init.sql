CREATE TABLE schools (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    -- region clock: the last signed webhook (event or heartbeat) accepted from the school
    last_seen REAL NOT NULL,
    last_beat_id TEXT,
    summary TEXT,
    offline_since REAL,
    pull_cursor INTEGER NOT NULL DEFAULT 0,
    pull_lease_until REAL NOT NULL DEFAULT 0,
    pull_error TEXT
);
CREATE TABLE events (
    id TEXT NOT NULL,
    school TEXT NOT NULL,
    time REAL NOT NULL,
    received REAL NOT NULL,
    type TEXT NOT NULL,
    severity TEXT NOT NULL,
    drill INTEGER NOT NULL,
    agent TEXT NOT NULL,
    subject TEXT,
    body TEXT NOT NULL,
    PRIMARY KEY (id, time)
);
CREATE INDEX events_school_time ON events (school, time);
CREATE TABLE facts (
    school TEXT NOT NULL,
    key TEXT NOT NULL,
    at REAL NOT NULL,
    event_id TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (school, key)
);
CREATE TABLE alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    school TEXT NOT NULL,
    kind TEXT NOT NULL,
    raised_at REAL NOT NULL,
    cleared_at REAL,
    acked_at REAL,
    acked_by TEXT
);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    role TEXT NOT NULL,
    csrf TEXT NOT NULL,
    expires REAL NOT NULL
);
