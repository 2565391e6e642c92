using System.IO.Enumeration;

namespace TagWorker.Library;

/// <summary>A photo file as the walk saw it: path relative to the library root, '/' separated.</summary>
public readonly record struct ListedFile(string Path, long Size, long MtimeTicks);

public sealed class WalkResult
{
    public bool RootMissing { get; set; }
    public List<ListedFile> Files { get; } = [];

    /// <summary>Folders that could not be read, relative paths; what is below them is not "gone".</summary>
    public List<(string Path, string Reason)> FailedFolders { get; } = [];
}

/// <summary>
/// Lists the photos under the library root. It recurses by hand, one folder at a time, so that
/// an unreadable folder is reported with its path and the walk goes on. Folder symlinks are not
/// followed: that is what makes a symlink loop harmless.
/// </summary>
public sealed class LibraryWalker(PathFilter filter, ILogger<LibraryWalker> logger)
{
    private static readonly EnumerationOptions Options = new()
    {
        RecurseSubdirectories = false,
        IgnoreInaccessible = false,
        AttributesToSkip = 0,
        ReturnSpecialDirectories = false,
    };

    private readonly record struct Entry(string Name, bool IsFolder, bool IsLink, long Size, long MtimeTicks);

    /// <param name="scope">Relative paths (files or folders) to look at, or null for the whole library.</param>
    public WalkResult Walk(string root, IReadOnlyCollection<string>? scope, CancellationToken cancellationToken)
    {
        var result = new WalkResult();
        _root = root;
        if (!Directory.Exists(root))
        {
            result.RootMissing = true;
            return result;
        }
        if (scope is null)
        {
            WalkFolder(root, "", result, cancellationToken);
            return result;
        }
        foreach (var relative in Outermost(scope))
        {
            var full = Path.Join(root, relative);
            var info = FileFacts.Of(full);
            if (
                Directory.Exists(full)
                && new DirectoryInfo(full).LinkTarget is null
                && IsInsideWalkedTree(relative, root)
            )
            {
                WalkFolder(full, relative, result, cancellationToken);
            }
            else if (
                info.Exists
                && IsInsideWalkedTree(relative, root)
                && filter.IsPhoto(Path.GetFileName(full))
                && InsideLibrary(full)
            )
            {
                result.Files.Add(new ListedFile(relative, info.Length, info.LastWriteTimeUtc.Ticks));
            }
        }
        return result;
    }

    /// <summary>The scope without entries inside other entries (the watcher names a new folder and the files in
    /// it).</summary>
    internal static IEnumerable<string> Outermost(IReadOnlyCollection<string> scope)
    {
        var all = scope.ToHashSet(StringComparer.Ordinal);
        return all.Where(path =>
        {
            for (
                var slash = path.IndexOf('/', StringComparison.Ordinal);
                slash > 0;
                slash = path.IndexOf('/', slash + 1)
            )
            {
                if (all.Contains(path[..slash]))
                {
                    return false;
                }
            }
            return true;
        });
    }

    private bool IsInsideWalkedTree(string relative, string root)
    {
        var parts = relative.Split('/');
        var full = root;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            full = Path.Join(full, parts[i]);
            if (!filter.EntersFolder(parts[i], full) || new DirectoryInfo(full).LinkTarget is not null)
            {
                return false;
            }
        }
        return parts.Length > 0 && filter.EntersFolder(parts[^1], Path.Join(root, relative));
    }

    private void WalkFolder(
        string fullRoot,
        string relativeRoot,
        WalkResult result,
        CancellationToken cancellationToken
    )
    {
        var pending = new Stack<(string Full, string Relative)>();
        pending.Push((fullRoot, relativeRoot));
        while (pending.TryPop(out var folder))
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                foreach (var entry in List(folder.Full))
                {
                    var relative = folder.Relative.Length == 0 ? entry.Name : $"{folder.Relative}/{entry.Name}";
                    if (!entry.IsFolder)
                    {
                        if (!entry.IsLink)
                        {
                            result.Files.Add(new ListedFile(relative, entry.Size, entry.MtimeTicks));
                        }
                        else if (InsideLibrary(Path.Join(folder.Full, entry.Name)))
                        {
                            result.Files.Add(Target(Path.Join(folder.Full, entry.Name), relative));
                        }
                        else
                        {
                            logger.LogWarning("Not following {File}: it links to a file outside the library", relative);
                        }
                    }
                    else if (entry.IsLink)
                    {
                        logger.LogDebug("Not following folder symlink {Folder}", relative);
                    }
                    else
                    {
                        pending.Push((Path.Join(folder.Full, entry.Name), relative));
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning("Cannot read folder {Folder}: {Reason}", folder.Full, e.Message);
                result.FailedFolders.Add((folder.Relative, e.Message));
            }
        }
    }

    private string _root = "";

    /// <summary>
    /// A file symlink is followed only to a file inside the library (as the library's own path or its resolved one):
    /// a link to /etc/passwd, or to another user's photos, is not read, hashed or shown.
    /// </summary>
    private bool InsideLibrary(string fullPath)
    {
        try
        {
            var target = new FileInfo(fullPath).ResolveLinkTarget(returnFinalTarget: true)?.FullName;
            if (target is null)
            {
                return true;
            }
            var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(_root));
            var resolvedRoot = new DirectoryInfo(root).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? root;
            return new[] { root, Path.TrimEndingDirectorySeparator(resolvedRoot) }.Any(r =>
                target.StartsWith(r + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            );
        }
        catch (IOException)
        {
            return true; // a loop or a dangling chain: listed, and reading it fails with the reason
        }
    }

    /// <summary>A file symlink is listed with its target's size and mtime (the entry describes the link
    /// itself).</summary>
    private static ListedFile Target(string fullPath, string relative)
    {
        var target = FileFacts.Of(fullPath);
        return target.Exists
            ? new ListedFile(relative, target.Length, target.LastWriteTimeUtc.Ticks)
            : new ListedFile(relative, 0, 0);
    }

    private FileSystemEnumerable<Entry> List(string folder) =>
        new(
            folder,
            static (ref entry) =>
                new Entry(
                    entry.FileName.ToString(),
                    entry.IsDirectory,
                    (entry.Attributes & FileAttributes.ReparsePoint) != 0,
                    entry.IsDirectory ? 0 : entry.Length,
                    entry.LastWriteTimeUtc.UtcTicks
                ),
            Options
        )
        {
            ShouldIncludePredicate = (ref entry) =>
                entry.IsDirectory
                    ? filter.EntersFolder(entry.FileName, entry.ToFullPath())
                    : filter.IsPhoto(entry.FileName),
        };
}
