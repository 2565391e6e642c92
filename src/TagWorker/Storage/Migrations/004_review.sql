-- The review site: dates for search, albums.
ALTER TABLE photos ADD COLUMN taken_at TEXT;   -- EXIF DateTimeOriginal, "yyyy-MM-ddTHH:mm:ss" camera local time
CREATE INDEX photos_taken ON photos (taken_at) WHERE taken_at IS NOT NULL;

CREATE TABLE albums (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE album_photos (
    album_id    INTEGER NOT NULL REFERENCES albums (id) ON DELETE CASCADE,
    photo_id    INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
    added_at    TEXT NOT NULL,
    PRIMARY KEY (album_id, photo_id)
) WITHOUT ROWID;
CREATE INDEX album_photos_photo ON album_photos (photo_id);

CREATE INDEX faces_photo_person ON faces (photo_id, person_id);
