namespace TagWorker.Library;

public enum HashOutcome
{
    Hashed,
    Failed,
    Unsettled,
}

public readonly record struct HashedFile(ListedFile File, HashOutcome Outcome, FileHashes? Hashes, string? Error);

/// <summary>
/// Reads a file once for both identities (the file's bytes and its image, <see cref="ImageHash"/>;
/// decoded pixels for TIFF and JPEG XL), but only a file that holds still: one written to very
/// recently, or whose size or mtime moved between the listing and the end of hashing, is
/// "unsettled" and left for a later look, so a half-copied photo is never given an identity.
/// </summary>
public sealed class FileHasher(Imaging.PixelHash pixels)
{
    private const int BufferSize = 256 * 1024;

    public HashedFile Hash(string fullPath, ListedFile listed, TimeSpan settle, DateTime utcNow)
    {
        try
        {
            if (utcNow - new DateTime(listed.MtimeTicks, DateTimeKind.Utc) < settle)
            {
                return new HashedFile(listed, HashOutcome.Unsettled, null, "written to moments ago");
            }
            if (listed.Path.Contains('\uFFFD', StringComparison.Ordinal) && !File.Exists(fullPath))
            {
                // .NET reads file names as UTF-8; bytes that are not become U+FFFD, and that name opens nothing.
                return new HashedFile(
                    listed,
                    HashOutcome.Failed,
                    null,
                    "the file name is not valid UTF-8, so it cannot be opened; rename the file (for example with convmv -f latin1 -t utf8)"
                );
            }
            if (listed.Size == 0)
            {
                return new HashedFile(listed, HashOutcome.Failed, null, "empty file (0 bytes)");
            }
            var hash = Identify(fullPath);
            var after = FileFacts.Of(fullPath);
            if (!after.Exists)
            {
                return new HashedFile(listed, HashOutcome.Unsettled, null, "vanished while being read");
            }
            if (after.Length != listed.Size || after.LastWriteTimeUtc.Ticks != listed.MtimeTicks)
            {
                return new HashedFile(listed, HashOutcome.Unsettled, null, "still being written");
            }
            return new HashedFile(listed, HashOutcome.Hashed, hash, null);
        }
        catch (FileNotFoundException)
        {
            return new HashedFile(listed, HashOutcome.Unsettled, null, "vanished before it could be read");
        }
        catch (DirectoryNotFoundException)
        {
            return new HashedFile(listed, HashOutcome.Unsettled, null, "vanished before it could be read");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new HashedFile(listed, HashOutcome.Failed, null, $"cannot read: {e.Message}");
        }
    }

    /// <summary>Both hashes of a file; a file whose image cannot be decoded keeps only its byte identity.</summary>
    public FileHashes Identify(string fullPath)
    {
        var hashes = ImageHash.Compute(fullPath);
        if (hashes.Image is not null || !hashes.MixedContainer)
        {
            return hashes;
        }
        try
        {
            return hashes with { Image = pixels.Compute(fullPath) };
        }
        catch (Imaging.ImagingException)
        {
            return hashes; // not a photo we can decode: the pipeline records why
        }
    }
}
