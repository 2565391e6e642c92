// What Immich shows for a photo, by Immich's own reading rules (server/src/services/metadata.service.ts and
// repositories/metadata.repository.ts), with the library Immich reads with (exiftool-vendored, useMWG).
// Usage: node immich.mjs PHOTO...  -> one JSON line per photo: {photo, sidecar, tags, faces, rating}
import { ExifTool } from 'exiftool-vendored';
import fs from 'node:fs';
import path from 'node:path';

const exiftool = new ExifTool({ useMWG: true, backfillTimezones: true, inferTimezoneFromDatestamps: true, readArgs: ['-api', 'largefilesupport=1'] });

// Sidecar discovery: photo.ext.xmp first, else photo.xmp; one of them, never both.
function sidecarOf(photo) {
  const withExt = `${photo}.xmp`;
  const parsed = path.parse(photo);
  const withoutExt = path.join(parsed.dir, `${parsed.name}.xmp`);
  if (fs.existsSync(withExt)) return withExt;
  if (fs.existsSync(withoutExt)) return withoutExt;
  return null;
}

// getTagList: TagsList, else HierarchicalSubject ('|' -> '/', '/' inside a level -> '|'), else Keywords.
function tagList(tags) {
  if (tags.TagsList) return tags.TagsList.map(String);
  if (tags.HierarchicalSubject) {
    return tags.HierarchicalSubject.map((tag) => typeof tag === 'number' ? String(tag)
      : tag.split('|').map((level) => level.replaceAll('/', '|')).join('/'));
  }
  if (tags.Keywords) return (Array.isArray(tags.Keywords) ? tags.Keywords : [tags.Keywords]).map(String);
  return [];
}

for (const photo of process.argv.slice(2)) {
  const sidecar = sidecarOf(photo);
  const media = await exiftool.read(photo);
  const side = sidecar ? await exiftool.read(sidecar) : null;
  const tags = { ...media, ...(side ?? {}) }; // mergeExifTags: sidecar keys over the photo's
  const regions = tags.RegionInfo?.AppliedToDimensions && tags.RegionInfo.RegionList?.length > 0 ? tags.RegionInfo.RegionList : [];
  const rating = typeof tags.Rating === 'number' && tags.Rating >= -1 && tags.Rating <= 5 ? tags.Rating : null;
  console.log(JSON.stringify({ photo, sidecar, tags: tagList(tags), faces: regions.filter((r) => r.Name).map((r) => String(r.Name)), rating }));
}
await exiftool.end();
