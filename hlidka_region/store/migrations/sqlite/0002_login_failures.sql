CREATE TABLE login_failures (
    key TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX login_failures_key_at ON login_failures (key, at);
