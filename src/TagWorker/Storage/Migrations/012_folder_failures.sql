-- Folders the last pass could not read (permissions, I/O errors): what is below them is kept as it was,
-- and the Failed page says which folder and why, not only the log. Replaced by every pass that walks them.
CREATE TABLE folder_failures (
    id          INTEGER PRIMARY KEY,
    path        TEXT NOT NULL UNIQUE,   -- relative to the library root ('' for the root itself)
    reason      TEXT NOT NULL,
    seen_at     TEXT NOT NULL
);
