-- A change the owner dropped from the write-back list ("leave as it is"): TagWorker neither adds, renames nor
-- removes that subject's keywords in that photo until the owner lets it go. Recognition is not affected.
CREATE TABLE write_holds (
    photo_id INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
    subject TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (photo_id, subject)
);
CREATE TRIGGER write_holds_dirty_insert AFTER INSERT ON write_holds BEGIN
    INSERT INTO write_dirty SELECT NEW.photo_id WHERE NOT EXISTS (SELECT 1 FROM write_dirty WHERE photo_id = NEW.photo_id);
END;
CREATE TRIGGER write_holds_dirty_delete AFTER DELETE ON write_holds BEGIN
    INSERT INTO write_dirty SELECT OLD.photo_id WHERE NOT EXISTS (SELECT 1 FROM write_dirty WHERE photo_id = OLD.photo_id);
END;
