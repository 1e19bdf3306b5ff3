-- Events in arrival order; pos is the cursor of the pull API and of every upstream link.
CREATE TABLE events (
    pos INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    ref TEXT,
    site TEXT NOT NULL,
    agent TEXT NOT NULL,
    type TEXT NOT NULL,
    subject TEXT,
    severity TEXT NOT NULL,
    drill INTEGER NOT NULL,
    time TEXT NOT NULL,
    seq INTEGER NOT NULL,
    received_at REAL NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX events_agent_pos ON events (agent, pos);
CREATE INDEX events_type_pos ON events (type, pos);

CREATE TABLE alarms (
    event_id TEXT PRIMARY KEY,
    agent TEXT NOT NULL,
    type TEXT NOT NULL,
    subject TEXT,
    opened_at REAL NOT NULL,
    restored_at REAL,
    acked_at REAL,
    acked_by TEXT,
    note TEXT,
    escalated_at REAL
);
CREATE INDEX alarms_open ON alarms (restored_at, acked_at);

CREATE TABLE site_state (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at REAL NOT NULL);

CREATE TABLE links (
    name TEXT PRIMARY KEY,
    cursor INTEGER NOT NULL,
    state TEXT NOT NULL,
    last_error TEXT,
    attempts INTEGER NOT NULL,
    delivered INTEGER NOT NULL,
    updated_at REAL NOT NULL
);

CREATE TABLE agents (
    id TEXT PRIMARY KEY,
    online INTEGER NOT NULL,
    bootid TEXT,
    version TEXT,
    snapshot TEXT,
    last_seen REAL,
    changed_at REAL NOT NULL,
    heartbeat_s REAL
);

CREATE TABLE commands (
    id TEXT PRIMARY KEY,
    batch TEXT NOT NULL,
    type TEXT NOT NULL,
    agent TEXT NOT NULL,
    issued_by TEXT NOT NULL,
    role TEXT NOT NULL,
    issued_at REAL NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    acked_at REAL
);

CREATE TABLE audit (
    pos INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
-- Append-only: the database refuses to change or remove an audit row.
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
