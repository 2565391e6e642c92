using Microsoft.Extensions.Options;
using TagWorker.Library;

namespace TagWorker.WriteBack;

/// <summary>One file a photo's names go into: a sidecar or the photo itself.</summary>
/// <param name="Relative">Relative to the library (or the sidecar mirror): what the journal records.</param>
/// <param name="SeedFrom">A new sidecar starts as a copy of this one (Lightroom's photo.xmp that it takes over
/// from).</param>
public sealed record WriteTarget(string Mode, string Path, string Relative, string? SeedFrom);

/// <summary>
/// Which files a photo's names go into, chosen by which file each reader reads. Immich reads
/// photo.jpg.xmp if it exists, else photo.xmp (Lightroom's name), never both; digiKam and darktable
/// read photo.jpg.xmp. So: an existing photo.jpg.xmp; else an existing photo.xmp that belongs to this
/// photo alone (no photo.heic beside it); else a new photo.jpg.xmp, which starts as a copy of an
/// ambiguous photo.xmp so that Immich, now reading it instead, loses nothing. Embedded mode writes
/// into the photo and also into the sidecar readers pick, which would otherwise hide the new values.
/// </summary>
public sealed class WriteTargets(IOptions<WriteBackOptions> options, IOptions<LibraryOptions> library)
{
    public IReadOnlyList<WriteTarget> For(string relativePhoto)
    {
        var root = Path.GetFullPath(library.Value.Root);
        var photo = Path.Combine(root, relativePhoto);
        var mirror = options.Value.SidecarMirror;
        var withExtension = relativePhoto + ".xmp";
        var lightroom = Path.ChangeExtension(relativePhoto, ".xmp");
        var lightroomFull = Path.Combine(root, lightroom);
        var ownsLightroom = File.Exists(lightroomFull) && !Siblings(photo).Any();

        if (!string.IsNullOrEmpty(mirror))
        {
            // A read-only library: only TagWorker's own sidecar, under the mirror (no reader looks there by itself).
            return [new WriteTarget("sidecar", Path.Combine(mirror, withExtension), withExtension, null)];
        }
        var sidecar =
            File.Exists(Path.Combine(root, withExtension))
                ? new WriteTarget("sidecar", Path.Combine(root, withExtension), withExtension, null)
            : ownsLightroom ? new WriteTarget("sidecar", lightroomFull, lightroom, null)
            : File.Exists(lightroomFull)
                ? new WriteTarget("sidecar", Path.Combine(root, withExtension), withExtension, lightroomFull) // shared: take over as a copy
            : null;
        if (options.Value.Mode == WriteMode.Embedded)
        {
            return sidecar is null
                ? [new WriteTarget("embedded", photo, relativePhoto, null)]
                : [new WriteTarget("embedded", photo, relativePhoto, null), sidecar];
        }
        return [sidecar ?? new WriteTarget("sidecar", Path.Combine(root, withExtension), withExtension, null)];
    }

    /// <summary>Other photos sharing the base name (photo.heic beside photo.jpg): they share Lightroom's
    /// photo.xmp.</summary>
    private static IEnumerable<string> Siblings(string photo)
    {
        var folder = Path.GetDirectoryName(photo)!;
        var name = Path.GetFileNameWithoutExtension(photo);
        return Directory.Exists(folder)
            ? Directory
                .EnumerateFiles(folder, name + ".*")
                .Where(f =>
                    f != photo
                    && Path.GetFileNameWithoutExtension(f) == name
                    && !f.EndsWith(".xmp", StringComparison.OrdinalIgnoreCase)
                )
            : [];
    }
}
