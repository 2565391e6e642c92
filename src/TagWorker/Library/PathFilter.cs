using System.IO.Enumeration;
using Microsoft.Extensions.Options;
using TagWorker.Storage;

namespace TagWorker.Library;

/// <summary>Decides which folders the walk enters and which files count as photos.</summary>
public sealed class PathFilter
{
    private readonly HashSet<string> _extensions;
    private readonly string[] _excludePatterns;
    private readonly bool _skipHidden;
    private readonly string[] _excludedFullPaths;

    public PathFilter(IOptions<LibraryOptions> library, IOptions<StorageOptions> storage)
    {
        var options = library.Value;
        _extensions = new HashSet<string>(
            Split(options.Extensions).Select(e => e.TrimStart('.')),
            StringComparer.OrdinalIgnoreCase
        );
        _excludePatterns = Split(options.Exclude);
        _skipHidden = options.SkipHidden;
        // The worker's own output (database, thumbnails, backups) may live inside the library.
        _excludedFullPaths = [Path.TrimEndingDirectorySeparator(Path.GetFullPath(storage.Value.Dir))];
    }

    public bool IsPhoto(ReadOnlySpan<char> fileName)
    {
        if (IsExcludedName(fileName))
        {
            return false;
        }
        var dot = fileName.LastIndexOf('.');
        return dot > 0 && _extensions.GetAlternateLookup<ReadOnlySpan<char>>().Contains(fileName[(dot + 1)..]);
    }

    public bool EntersFolder(ReadOnlySpan<char> name, string fullPath) =>
        !IsExcludedName(name) && !_excludedFullPaths.Contains(fullPath, StringComparer.Ordinal);

    private bool IsExcludedName(ReadOnlySpan<char> name)
    {
        if (_skipHidden && name.Length > 0 && name[0] == '.')
        {
            return true;
        }
        foreach (var pattern in _excludePatterns)
        {
            if (FileSystemName.MatchesSimpleExpression(pattern, name, ignoreCase: true))
            {
                return true;
            }
        }
        return false;
    }

    private static string[] Split(string list) =>
        list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
