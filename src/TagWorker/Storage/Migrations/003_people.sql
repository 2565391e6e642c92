-- People: a group of faces, named or not. Decisions are facts: a face confirmed by the owner
-- (assigned_by = 'user'), a rejected face, a "not this person" (cannot_link), an ignored group;
-- reclustering may move only faces the algorithm placed itself (assigned_by = 'auto').
CREATE TABLE people (
    id          INTEGER PRIMARY KEY,
    name        TEXT,                       -- NULL: an unnamed group
    ignored     INTEGER NOT NULL DEFAULT 0, -- "ignore this group": its faces stay with it, it is not offered again
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX people_name ON people (name) WHERE name IS NOT NULL;

ALTER TABLE faces ADD COLUMN person_id INTEGER REFERENCES people (id) ON DELETE SET NULL;
ALTER TABLE faces ADD COLUMN assigned_by TEXT CHECK (assigned_by IN ('auto', 'user'));
ALTER TABLE faces ADD COLUMN rejected TEXT CHECK (rejected IN ('not_a_face', 'stranger'));
CREATE INDEX faces_person ON faces (person_id);

CREATE TABLE cannot_link (
    face_id     INTEGER NOT NULL REFERENCES faces (id) ON DELETE CASCADE,
    person_id   INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    PRIMARY KEY (face_id, person_id)
) WITHOUT ROWID;

-- Every decision, with what it changed, so the last ones can be undone.
CREATE TABLE decisions (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    summary     TEXT NOT NULL,
    undo        TEXT NOT NULL,  -- JSON: the rows as they were before
    created_at  TEXT NOT NULL,
    undone_at   TEXT
);
