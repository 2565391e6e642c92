-- Write-back. A "subject" is what one keyword set stands for: 'person:<id>' or 'object:<label>'.
-- approvals: the owner said yes to writing this subject's current change to this photo.
CREATE TABLE approvals (
    photo_id    INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
    subject     TEXT NOT NULL,
    approved_at TEXT NOT NULL,
    PRIMARY KEY (photo_id, subject)
) WITHOUT ROWID;

-- written: what TagWorker's last verified write put into this photo's metadata, per subject; the
-- only values it will ever change or remove again.
CREATE TABLE written (
    photo_id    INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
    subject     TEXT NOT NULL,
    value       TEXT NOT NULL,          -- the name or label as written
    entries     TEXT NOT NULL,          -- JSON: exactly the XMP items TagWorker added for it (fields and regions)
    PRIMARY KEY (photo_id, subject)
) WITHOUT ROWID;

-- writes: the journal. One row per file written (or that failed), with what changed.
CREATE TABLE writes (
    id          INTEGER PRIMARY KEY,
    photo_id    INTEGER REFERENCES photos (id) ON DELETE SET NULL,
    path        TEXT NOT NULL,          -- the file written, relative to the library (or the sidecar mirror)
    mode        TEXT NOT NULL CHECK (mode IN ('sidecar', 'embedded')),
    added       TEXT NOT NULL,          -- JSON list of {subject, value}
    removed     TEXT NOT NULL,          -- JSON list of {subject, value}
    before      TEXT NOT NULL,          -- JSON: the written rows before this write (for undo)
    after       TEXT NOT NULL,          -- JSON: the written rows once this write is done (to finish it after a crash)
    temp        TEXT,                   -- the temporary file renamed into place (absolute), while started
    hash_before TEXT,                   -- sha256 of the target before (NULL: it did not exist)
    hash_after  TEXT,
    backup      TEXT,                   -- copy of the target before, relative to the data folder
    state       TEXT NOT NULL CHECK (state IN ('started', 'done', 'failed', 'undone')),
    error       TEXT,
    created_at  TEXT NOT NULL,
    undone_at   TEXT
);
CREATE INDEX writes_photo ON writes (photo_id);
CREATE INDEX writes_state ON writes (state) WHERE state = 'started';
