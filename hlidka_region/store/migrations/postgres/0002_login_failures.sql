-- Failed console logins, per login name and per client address: every worker sees every attempt.
CREATE TABLE login_failures (
    key TEXT NOT NULL,
    at DOUBLE PRECISION NOT NULL
);
CREATE INDEX login_failures_key_at ON login_failures (key, at);
