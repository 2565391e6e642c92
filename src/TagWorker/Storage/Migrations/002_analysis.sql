-- What the eye saw. Boxes and landmarks are in displayed-photo pixels (EXIF orientation applied);
-- photos.orientation is the orientation of the stored pixels, so XMP regions can be converted exactly.
ALTER TABLE photos ADD COLUMN width INTEGER;
ALTER TABLE photos ADD COLUMN height INTEGER;
ALTER TABLE photos ADD COLUMN orientation INTEGER;
ALTER TABLE photos ADD COLUMN analyzed_at TEXT;
ALTER TABLE photos ADD COLUMN preview TEXT;          -- JPEG, relative to the data folder

CREATE TABLE objects (
    id          INTEGER PRIMARY KEY,
    photo_id    INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
    label       TEXT    NOT NULL,
    confidence  REAL    NOT NULL,
    x REAL NOT NULL, y REAL NOT NULL, w REAL NOT NULL, h REAL NOT NULL
);
CREATE INDEX objects_photo ON objects (photo_id);
CREATE INDEX objects_label ON objects (label);

CREATE TABLE faces (
    id          INTEGER PRIMARY KEY,
    photo_id    INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
    x REAL NOT NULL, y REAL NOT NULL, w REAL NOT NULL, h REAL NOT NULL,
    landmarks   BLOB    NOT NULL,   -- 10 float32: x, y of eyes, nose, mouth corners
    confidence  REAL    NOT NULL,   -- detector score
    size_px     REAL    NOT NULL,   -- shorter side of the box, displayed pixels
    sharpness   REAL    NOT NULL,   -- variance of the Laplacian of the aligned face
    embedder    TEXT,               -- model that made the embedding; NULL when the face was too small
    embedding   BLOB,               -- float32, L2-normalised
    thumbnail   TEXT                -- JPEG, relative to the data folder
);
CREATE INDEX faces_photo ON faces (photo_id);
