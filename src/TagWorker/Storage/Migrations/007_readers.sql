-- Write-back that every reader sees (issue: readers lost what other programs wrote).
-- writes.target: the file written, relative to the library (or the sidecar mirror): photo.jpg.xmp,
-- Lightroom's photo.xmp, or the photo itself; NULL in older rows (then derived from path and mode).
ALTER TABLE writes ADD COLUMN target TEXT;

-- Another program changed or reverted what TagWorker last wrote to a file: the owner settles it.
CREATE TABLE conflicts (
    id          INTEGER PRIMARY KEY,
    photo_id    INTEGER REFERENCES photos (id) ON DELETE CASCADE,
    target      TEXT NOT NULL,              -- the file, as in writes.target
    detail      TEXT NOT NULL,              -- JSON: what is missing, what came back
    file_hash   TEXT,                       -- the file as found
    created_at  TEXT NOT NULL,
    resolved_at TEXT,
    resolution  TEXT CHECK (resolution IN ('ours', 'theirs'))
);
CREATE INDEX conflicts_open ON conflicts (target) WHERE resolved_at IS NULL;

-- What TagWorker added per file (a photo's names may go into the photo and a sidecar, each getting only
-- what it lacked): JSON {target: {Fields, Regions}}; NULL in older rows (then entries applies to every file).
ALTER TABLE written ADD COLUMN targets TEXT;

-- What TagWorker carried into a file when it created a list there (values readers took from elsewhere),
-- and whether it turned dc:subject into a Seq: taken back out when the last of TagWorker's values leaves.
CREATE TABLE carried (
    target      TEXT PRIMARY KEY,       -- as in writes.target
    state       TEXT NOT NULL           -- JSON: {Fields: [{Field, Value}], Regions: [...], Ordered: bool}
) WITHOUT ROWID;
