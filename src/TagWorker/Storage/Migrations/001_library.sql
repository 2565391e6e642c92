-- A photo is its content: one row per distinct SHA-256. Paths are separate rows, so
-- copies are duplicates of one photo and a moved file keeps everything attached to it.
CREATE TABLE photos (
    id          INTEGER PRIMARY KEY,
    size        INTEGER NOT NULL,
    state       TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'analyzed', 'failed')),
    error       TEXT,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    removed_at  TEXT    -- set while no present path shows this photo; purged after the grace period
);
CREATE INDEX photos_state ON photos (state) WHERE removed_at IS NULL;
CREATE INDEX photos_removed ON photos (removed_at) WHERE removed_at IS NOT NULL;

-- Content hashes that identify a photo. Usually one; the writer adds the hash of a file
-- it changed itself (embedded XMP), so the photo keeps its identity.
CREATE TABLE photo_hashes (
    sha256      BLOB    PRIMARY KEY,
    photo_id    INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX photo_hashes_photo ON photo_hashes (photo_id);

-- Every file the library walk has met, relative to the library root with '/' separators.
CREATE TABLE files (
    id          INTEGER PRIMARY KEY,
    path        TEXT    NOT NULL UNIQUE,
    photo_id    INTEGER REFERENCES photos (id) ON DELETE CASCADE,
    size        INTEGER NOT NULL,
    mtime       INTEGER NOT NULL,   -- last write time, UTC ticks
    state       TEXT    NOT NULL CHECK (state IN ('present', 'failed', 'removed')),
    error       TEXT,
    seen_at     TEXT    NOT NULL,
    removed_at  TEXT
);
CREATE INDEX files_photo ON files (photo_id);
CREATE INDEX files_state ON files (state);
