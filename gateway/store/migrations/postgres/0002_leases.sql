-- Leases: which gateway worker holds a duty (an upstream link, supervision). A holder renews before
-- expires_at (the database's clock, seconds since the epoch); epoch grows on every change of holder
-- and fences writes, so a worker that lost its lease cannot move a cursor.
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT,
    expires_at DOUBLE PRECISION NOT NULL,
    epoch BIGINT NOT NULL
);

-- The last SIA sequence number a link used, and the event in flight with the number it was sent
-- with: a worker taking the link over resends that event with the same number.
ALTER TABLE links ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE links ADD COLUMN inflight BIGINT;
ALTER TABLE links ADD COLUMN inflight_seq BIGINT;
