-- The audit looks up each file's last write: by target, not by a walk of the whole journal.
CREATE INDEX writes_target ON writes (target, state);
