using System.Buffers;
using System.Security.Cryptography;

namespace TagWorker.Library;

public enum HashOutcome { Hashed, Failed, Unsettled }

public readonly record struct HashedFile(ListedFile File, HashOutcome Outcome, byte[]? Sha256, string? Error);

/// <summary>
/// Streams a file through SHA-256, but only a file that holds still: one written to very recently,
/// or whose size or mtime moved between the listing and the end of hashing, is "unsettled" and left
/// for a later look, so a half-copied photo is never given an identity.
/// </summary>
public static class FileHasher
{
    private const int BufferSize = 256 * 1024;

    public static HashedFile Hash(string fullPath, ListedFile listed, TimeSpan settle, DateTime utcNow)
    {
        try
        {
            if (utcNow - new DateTime(listed.MtimeTicks, DateTimeKind.Utc) < settle)
            {
                return new HashedFile(listed, HashOutcome.Unsettled, null, "written to moments ago");
            }
            if (listed.Size == 0)
            {
                return new HashedFile(listed, HashOutcome.Failed, null, "empty file (0 bytes)");
            }
            var hash = Sha256(fullPath);
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

    /// <summary>SHA-256 of a whole file, streamed through one pooled buffer (no per-file large allocation).</summary>
    public static byte[] Sha256(string fullPath)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            using var stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0, FileOptions.SequentialScan);
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            int read;
            while ((read = stream.Read(buffer, 0, BufferSize)) > 0)
            {
                sha.AppendData(buffer, 0, read);
            }
            return sha.GetHashAndReset();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
