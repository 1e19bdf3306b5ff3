-- A school's incident events are read back by incident id (the events' subject) to fold them.
CREATE INDEX events_school_subject ON events (school, subject);
-- Refused webhooks, counted by every worker into one row per reason: the console shows the region's sum.
CREATE TABLE refusals (
    reason TEXT PRIMARY KEY,
    n BIGINT NOT NULL
);
