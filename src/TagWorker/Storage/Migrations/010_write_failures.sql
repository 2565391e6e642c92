-- Files TagWorker could not write (malformed XMP, a file that keeps changing, a refused write): one row per
-- file, so the Failed page says what is wrong and the log says it once, not on every apply round.
CREATE TABLE write_failures (
    id          INTEGER PRIMARY KEY,
    target      TEXT NOT NULL UNIQUE,   -- the file, relative to the library (or the sidecar mirror)
    photo_id    INTEGER REFERENCES photos (id) ON DELETE CASCADE,
    reason      TEXT NOT NULL,
    first_at    TEXT NOT NULL,
    last_at     TEXT NOT NULL
);
