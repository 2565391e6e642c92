using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace TagWorker.WriteBack;

/// <summary>A file as it was when read: to know whether someone else changed it before it is replaced.</summary>
internal sealed partial record FileSnapshot(
    string Path,
    bool Exists,
    byte[]? Bytes,
    string? Hash,
    long Size,
    DateTime MtimeUtc
)
{
    public static FileSnapshot Take(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is { } link)
        {
            // Writing would replace the link with a file, and the backup would copy whatever it points to (another
            // user's file, /etc/shadow): a link is left as it is, and so is its target.
            throw new WriteBackException(
                $"{System.IO.Path.GetFileName(path)} is a symbolic link (to {link}); TagWorker does not write through links"
            );
        }
        if (!info.Exists)
        {
            return new FileSnapshot(path, false, null, null, 0, default);
        }
        var bytes = File.ReadAllBytes(path);
        return new FileSnapshot(
            path,
            true,
            bytes,
            Convert.ToHexString(SHA256.HashData(bytes)),
            info.Length,
            info.LastWriteTimeUtc
        );
    }

    private bool StillSame(string path)
    {
        var info = new FileInfo(path);
        return Exists
            ? info.Exists && info.Length == Size && info.LastWriteTimeUtc == MtimeUtc && HashOf(path) == Hash
            : !info.Exists;
    }

    /// <summary>
    /// Puts <paramref name="temp"/> in the target's place only if the target is still this snapshot. A check followed
    /// by a rename leaves a window (another program's rename can land between them, and its edit is lost); on Linux the
    /// two files are swapped atomically instead (renameat2 RENAME_EXCHANGE), and the file swapped out is checked: if it
    /// is not the snapshot, the swap is undone and false returned (the caller merges again). A new file is created
    /// only if nobody created one meanwhile (RENAME_NOREPLACE). Filesystems without these (SMB, NFS) fall back to
    /// the check and rename.
    /// </summary>
    public bool ReplaceWith(string temp)
    {
        if (OperatingSystem.IsLinux())
        {
            if (RenameAt2(AtCwd, temp, AtCwd, Path, Exists ? RenameExchange : RenameNoReplace) == 0)
            {
                if (!Exists)
                {
                    return true;
                }
                if (HashOf(temp) == Hash)
                {
                    File.Delete(temp);
                    return true;
                }
                if (RenameAt2(AtCwd, temp, AtCwd, Path, RenameExchange) != 0)
                {
                    throw new IOException(
                        $"could not put back the version another program wrote meanwhile; it is in {temp}"
                    );
                }
                return false;
            }
            var errno = Marshal.GetLastPInvokeError();
            if (
                errno == 17 /* EEXIST */
                || errno == 2 /* ENOENT: the target went away */
            )
            {
                return false;
            }
            if (
                errno
                is not (
                    22 /* EINVAL */
                    or 38 /* ENOSYS */
                    or 95 /* EOPNOTSUPP */
                )
            )
            {
                throw new IOException($"could not replace {Path}: {Marshal.GetPInvokeErrorMessage(errno)}");
            }
        }
        if (!StillSame(Path))
        {
            return false;
        }
        File.Move(temp, Path, overwrite: Exists);
        return true;
    }

    private const int AtCwd = -100;
    private const uint RenameNoReplace = 1;
    private const uint RenameExchange = 2;

    [LibraryImport("libc", EntryPoint = "renameat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameAt2(int oldDir, string oldPath, int newDir, string newPath, uint flags);

    public static void WriteDurably(string path, byte[] bytes)
    {
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        stream.Write(bytes);
        stream.Flush(flushToDisk: true);
    }

    public static string? HashOf(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream));
    }
}
