-- Which photos have changes to write is kept up to date instead of recomputed over the whole library for
-- every list (400+ ms at 100k photos). Every change that can alter a photo's desired or written keywords
-- marks the photo dirty; reading the list first re-evaluates only the dirty photos (WriteBack.Changes).
-- The triggers guard with NOT EXISTS instead of INSERT OR IGNORE: an outer statement's conflict clause (an
-- upsert, INSERT OR REPLACE) overrides the one inside a trigger, and a duplicate would then abort it.
CREATE TABLE write_dirty (photo_id INTEGER PRIMARY KEY);
CREATE TABLE write_pending (photo_id INTEGER PRIMARY KEY);
-- What the list was last evaluated with (the objects never written): another setting re-evaluates every photo.
CREATE TABLE write_pending_basis (id INTEGER PRIMARY KEY CHECK (id = 1), skipped TEXT NOT NULL);

CREATE TRIGGER faces_dirty_insert AFTER INSERT ON faces BEGIN
    INSERT INTO write_dirty SELECT NEW.photo_id WHERE NOT EXISTS (SELECT 1 FROM write_dirty WHERE photo_id = NEW.photo_id);
END;
CREATE TRIGGER faces_dirty_update AFTER UPDATE OF person_id, rejected, photo_id ON faces BEGIN
    INSERT INTO write_dirty SELECT NEW.photo_id WHERE NOT EXISTS (SELECT 1 FROM write_dirty WHERE photo_id = NEW.photo_id);
    INSERT INTO write_dirty SELECT OLD.photo_id WHERE NOT EXISTS (SELECT 1 FROM write_dirty WHERE photo_id = OLD.photo_id);
END;
CREATE TRIGGER faces_dirty_delete AFTER DELETE ON faces BEGIN
    INSERT INTO write_dirty SELECT OLD.photo_id WHERE NOT EXISTS (SELECT 1 FROM write_dirty WHERE photo_id = OLD.photo_id);
END;
CREATE TRIGGER objects_dirty_insert AFTER INSERT ON objects BEGIN
    INSERT INTO write_dirty SELECT NEW.photo_id WHERE NOT EXISTS (SELECT 1 FROM write_dirty WHERE photo_id = NEW.photo_id);
END;
CREATE TRIGGER objects_dirty_update AFTER UPDATE OF label, photo_id ON objects BEGIN
    INSERT INTO write_dirty SELECT NEW.photo_id WHERE NOT EXISTS (SELECT 1 FROM write_dirty WHERE photo_id = NEW.photo_id);
    INSERT INTO write_dirty SELECT OLD.photo_id WHERE NOT EXISTS (SELECT 1 FROM write_dirty WHERE photo_id = OLD.photo_id);
END;
CREATE TRIGGER objects_dirty_delete AFTER DELETE ON objects BEGIN
    INSERT INTO write_dirty SELECT OLD.photo_id WHERE NOT EXISTS (SELECT 1 FROM write_dirty WHERE photo_id = OLD.photo_id);
END;
CREATE TRIGGER people_dirty_update AFTER UPDATE OF name, ignored ON people BEGIN
    INSERT INTO write_dirty SELECT DISTINCT photo_id FROM faces WHERE person_id = NEW.id AND photo_id NOT IN (SELECT photo_id FROM write_dirty);
END;
CREATE TRIGGER photos_dirty_update AFTER UPDATE OF removed_at ON photos BEGIN
    INSERT INTO write_dirty SELECT NEW.id WHERE NOT EXISTS (SELECT 1 FROM write_dirty WHERE photo_id = NEW.id);
END;
CREATE TRIGGER written_dirty_insert AFTER INSERT ON written BEGIN
    INSERT INTO write_dirty SELECT NEW.photo_id WHERE NOT EXISTS (SELECT 1 FROM write_dirty WHERE photo_id = NEW.photo_id);
END;
CREATE TRIGGER written_dirty_update AFTER UPDATE ON written BEGIN
    INSERT INTO write_dirty SELECT NEW.photo_id WHERE NOT EXISTS (SELECT 1 FROM write_dirty WHERE photo_id = NEW.photo_id);
    INSERT INTO write_dirty SELECT OLD.photo_id WHERE NOT EXISTS (SELECT 1 FROM write_dirty WHERE photo_id = OLD.photo_id);
END;
CREATE TRIGGER written_dirty_delete AFTER DELETE ON written BEGIN
    INSERT INTO write_dirty SELECT OLD.photo_id WHERE NOT EXISTS (SELECT 1 FROM write_dirty WHERE photo_id = OLD.photo_id);
END;
CREATE TRIGGER people_dirty_insert AFTER INSERT ON people BEGIN
    INSERT INTO write_dirty SELECT DISTINCT photo_id FROM faces WHERE person_id = NEW.id AND photo_id NOT IN (SELECT photo_id FROM write_dirty);
END;
CREATE TRIGGER people_dirty_delete BEFORE DELETE ON people BEGIN
    INSERT INTO write_dirty SELECT DISTINCT photo_id FROM faces WHERE person_id = OLD.id AND photo_id NOT IN (SELECT photo_id FROM write_dirty);
END;

-- The status counts (dashboard, /api/status) read indexes only: duplicates without a temporary B-tree.
CREATE INDEX files_state_photo ON files (state, photo_id);
DROP INDEX files_state;
