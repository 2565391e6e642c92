namespace TagWorker.Library;

/// <summary>
/// Size and mtime of a file, following symlinks: .NET's FileInfo and directory entries describe a
/// link itself (its length is that of the target's path), while reading it reads the target.
/// </summary>
public static class FileFacts
{
    public static FileInfo Of(string fullPath)
    {
        var info = new FileInfo(fullPath);
        if (info.LinkTarget is not null)
        {
            try
            {
                return info.ResolveLinkTarget(returnFinalTarget: true) as FileInfo ?? info;
            }
            catch (IOException)
            {
                return info; // a loop or a dangling chain: the caller sees a file it cannot read
            }
        }
        return info;
    }
}
