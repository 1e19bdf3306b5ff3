-- Incident numbers taken: one row per number, stored in the transaction that stores its incident.opened,
-- so two workers opening incidents at the same instant never both get one number.
CREATE TABLE incident_numbers (
    number TEXT PRIMARY KEY,
    event_id TEXT NOT NULL
);
-- The numbers of the incidents stored before this table (the first opening of a number stands).
INSERT INTO incident_numbers (number, event_id)
SELECT subject, MIN(id) FROM events
WHERE type = 'cz.hlidka.incident.opened' AND kind = 'event' AND subject IS NOT NULL
GROUP BY subject;
