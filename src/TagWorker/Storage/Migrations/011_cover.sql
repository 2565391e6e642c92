-- The face the owner chose to show a person by (NULL: the largest confirmed face, as before).
ALTER TABLE people ADD COLUMN cover_face_id INTEGER REFERENCES faces (id) ON DELETE SET NULL;
