-- darktable as a reader, for TagWorker's conformance tests: imports one photo (with its sidecar), or
-- finds it in darktable's library when it was imported before (as a user's darktable holds it, without
-- reading the sidecar again), and reports the tags and rating darktable holds for it, then quits.
-- Optionally sets a rating first (darktable then writes its sidecar, as after any edit). Errors go
-- into the report.
local dt = require "darktable"
local out = io.open(os.getenv("TW_OUT"), "w")
local ok, err = pcall(function()
  local photo = os.getenv("TW_PHOTO")
  local img = nil
  for _, known in ipairs(dt.database) do
    if known.path .. "/" .. known.filename == photo then img = known end
  end
  if img == nil then img = dt.database.import(photo) end
  local rating = os.getenv("TW_RATING")
  if rating ~= nil and rating ~= "" then img.rating = tonumber(rating) end
  out:write("rating " .. tostring(img.rating) .. "\n")
  for _, t in ipairs(dt.tags.get_tags(img)) do
    if not string.find(t.name, "^darktable|") then out:write("tag " .. t.name .. "\n") end
  end
end)
if not ok then out:write("error " .. tostring(err) .. "\n") end
out:write("done\n")
out:close()
os.exit(0)
