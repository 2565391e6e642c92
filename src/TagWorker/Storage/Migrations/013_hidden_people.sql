-- A named person the owner hid from the People page (Immich's "hide person"): still recognised, still written into
-- photos; only not listed, until shown again.
ALTER TABLE people ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0;
