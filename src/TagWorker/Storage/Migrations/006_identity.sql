-- A photo is its image, not its file (issue: a keyword written by another program made a new photo).
-- image_hashes maps the hash of the bytes that make the image (Library/ImageHash) to the photo, so a
-- file whose metadata another program rewrote is the same photo. photo_hashes keeps the exact bytes.
CREATE TABLE image_hashes (
    hash        BLOB    PRIMARY KEY,
    photo_id    INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX image_hashes_photo ON image_hashes (photo_id);

ALTER TABLE files ADD COLUMN image_hash BLOB;             -- the image hash of the file as last seen (NULL: not known yet)
ALTER TABLE photos ADD COLUMN metadata_changed_at TEXT;   -- another program rewrote its metadata: read the header again
ALTER TABLE photos ADD COLUMN version INTEGER NOT NULL DEFAULT 1;  -- pixel edits count up; faces carry over by matching

-- Removals held back because they looked like an unmounted or moved library, until confirmed or seen again.
CREATE TABLE removal_holds (
    id          INTEGER PRIMARY KEY,
    files       INTEGER NOT NULL,       -- how many known files went missing in one pass
    known       INTEGER NOT NULL,       -- how many were present before
    sample      TEXT    NOT NULL,       -- JSON: a few of the missing paths, for the owner
    passes      INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT    NOT NULL,
    seen_at     TEXT    NOT NULL,
    confirmed_at TEXT,                  -- the owner said "yes, they are gone"
    resolved_at TEXT                    -- applied, or the files came back
);

-- "Does this photo have another present file?" is asked per changed file: without this index the
-- planner took files_state and walked every present file (a 1% change of 100k files took 39 s).
CREATE INDEX files_photo_state ON files (photo_id, state);
DROP INDEX files_photo;
