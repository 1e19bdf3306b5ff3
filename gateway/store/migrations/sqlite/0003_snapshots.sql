-- Camera snapshots: chunks until an image is whole and its SHA-256 matches, then the image.
CREATE TABLE snapshot_chunks (
    snapshot_id TEXT NOT NULL,
    idx INTEGER NOT NULL,
    count INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    agent TEXT NOT NULL,
    data BLOB NOT NULL,
    received_at REAL NOT NULL,
    PRIMARY KEY (snapshot_id, idx)
);
CREATE TABLE snapshots (
    id TEXT PRIMARY KEY,
    agent TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    jpeg BLOB NOT NULL,
    stored_at REAL NOT NULL
);
CREATE INDEX snapshots_stored ON snapshots (stored_at);
