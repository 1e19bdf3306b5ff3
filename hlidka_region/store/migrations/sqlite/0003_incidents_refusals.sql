CREATE INDEX events_school_subject ON events (school, subject);
CREATE TABLE refusals (
    reason TEXT PRIMARY KEY,
    n INTEGER NOT NULL
);
