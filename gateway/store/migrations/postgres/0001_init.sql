-- Events in arrival order; pos is the cursor of the pull API and of every upstream link.
CREATE TABLE events (
    pos BIGSERIAL PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    ref TEXT,
    site TEXT NOT NULL,
    agent TEXT NOT NULL,
    type TEXT NOT NULL,
    subject TEXT,
    severity TEXT NOT NULL,
    drill BOOLEAN NOT NULL,
    time TEXT NOT NULL,
    seq BIGINT NOT NULL,
    received_at DOUBLE PRECISION NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX events_agent_pos ON events (agent, pos);
CREATE INDEX events_type_pos ON events (type, pos);

CREATE TABLE alarms (
    event_id TEXT PRIMARY KEY,
    agent TEXT NOT NULL,
    type TEXT NOT NULL,
    subject TEXT,
    opened_at DOUBLE PRECISION NOT NULL,
    restored_at DOUBLE PRECISION,
    acked_at DOUBLE PRECISION,
    acked_by TEXT,
    note TEXT,
    escalated_at DOUBLE PRECISION
);
CREATE INDEX alarms_open ON alarms (restored_at, acked_at);

CREATE TABLE site_state (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at DOUBLE PRECISION NOT NULL);

CREATE TABLE links (
    name TEXT PRIMARY KEY,
    cursor BIGINT NOT NULL,
    state TEXT NOT NULL,
    last_error TEXT,
    attempts INTEGER NOT NULL,
    delivered BIGINT NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL
);

CREATE TABLE agents (
    id TEXT PRIMARY KEY,
    online BOOLEAN NOT NULL,
    bootid TEXT,
    version TEXT,
    snapshot TEXT,
    last_seen DOUBLE PRECISION,
    changed_at DOUBLE PRECISION NOT NULL,
    heartbeat_s DOUBLE PRECISION
);

CREATE TABLE commands (
    id TEXT PRIMARY KEY,
    batch TEXT NOT NULL,
    type TEXT NOT NULL,
    agent TEXT NOT NULL,
    issued_by TEXT NOT NULL,
    role TEXT NOT NULL,
    issued_at DOUBLE PRECISION NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    acked_at DOUBLE PRECISION
);

CREATE TABLE audit (
    pos BIGSERIAL PRIMARY KEY,
    at DOUBLE PRECISION NOT NULL,
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
-- Append-only: the database refuses to change or remove an audit row.
CREATE FUNCTION hlidka_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit is append-only';
END $$;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION hlidka_audit_append_only();
