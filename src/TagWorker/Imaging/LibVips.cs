using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using NetVips;

namespace TagWorker.Imaging;

/// <summary>
/// Starts libvips (through NetVips, on Debian's libvips42) the way an untrusted photo library needs
/// it, and runs every libvips call so that a failure's message is that call's own.
/// <list type="bullet">
/// <item>Plugin modules: libvips loads every module in its folder at start, with global symbols.
/// Debian's openslide module brings the system libsqlite3 (it overrode Microsoft.Data.Sqlite's
/// bundled SQLite once: a crash), and ImageMagick and poppler widen what a hostile file reaches. So
/// libvips starts with VIPSHOME pointing at a private folder made by mkdtemp (mode 700, a fresh
/// random name: nobody else can plant a module in it) holding links to the HEIF and JPEG XL modules
/// only; the folder is deleted as soon as libvips has loaded them.</item>
/// <item>Loaders: every loader is blocked except JPEG, PNG, WebP, TIFF, HEIF/AVIF and JPEG XL, so a
/// file named .jpg that is really SVG, PDF or a Matlab file is refused, not parsed.</item>
/// <item>Errors: libvips keeps one error buffer for the whole process. Calls run under a shared
/// gate; when one fails it runs again alone, so the message read is that photo's and no other's.</item>
/// </list>
/// </summary>
public static partial class LibVips
{
    private static readonly string[] AllowedModules = ["vips-heif.so", "vips-jxl.so"];
    private static readonly string[] AllowedLoaders =
    [
        "VipsForeignLoadJpeg",
        "VipsForeignLoadPng",
        "VipsForeignLoadWebp",
        "VipsForeignLoadTiff",
        "VipsForeignLoadHeif",
        "VipsForeignLoadJxl",
    ];
    private static readonly string[] LibraryFolders =
    [
        "/usr/lib/x86_64-linux-gnu",
        "/usr/lib/aarch64-linux-gnu",
        "/usr/lib64",
        "/usr/lib",
        "/usr/local/lib",
    ];
    private static readonly Lock StartLock = new();
    private static readonly ReaderWriterLockSlim Gate = new(LockRecursionPolicy.SupportsRecursion);
    private static string? _failure;
    private static bool _started;

    /// <summary>The module folder of the last start (deleted by then); tests check it is gone and was
    /// private.</summary>
    internal static string? ModuleHome { get; private set; }

    /// <summary>
    /// Starts libvips once per process; later calls only set the thread count. libvips' own warnings
    /// ("error in tile 0 x 72", repeating what the failure says) go to <paramref name="warnings"/>,
    /// not to the console.
    /// </summary>
    public static void Start(int threads, Action<string>? warnings = null)
    {
        lock (StartLock)
        {
            if (!_started)
            {
                _started = true;
                try
                {
                    ModuleHome = RestrictModules();
                    try
                    {
                        Initialise(warnings ?? (_ => { }));
                    }
                    finally
                    {
                        Directory.Delete(ModuleHome, recursive: true);
                    }
                }
                catch (Exception e)
                    when (e
                            is DllNotFoundException
                                or TypeInitializationException
                                or IOException
                                or UnauthorizedAccessException
                                or EntryPointNotFoundException
                                or InvalidOperationException
                    )
                {
                    _failure = $"libvips is not usable ({e.Message}); install Debian's libvips42 (scripts/setup does)";
                }
            }
            if (_failure is not null)
            {
                throw new ImagingException(_failure);
            }
            SetThreads(threads);
        }
    }

    /// <summary>Runs a libvips call; a failure becomes an <see cref="ImagingException"/> with that call's own
    /// message.</summary>
    public static T Run<T>(Func<T> call, string what)
    {
        Gate.EnterReadLock();
        try
        {
            return call();
        }
        catch (VipsException)
        {
            // Retried alone below: the message in libvips' shared buffer may be another thread's.
        }
        finally
        {
            Gate.ExitReadLock();
        }
        Gate.EnterWriteLock();
        try
        {
            _ = new VipsException(string.Empty); // reading the buffer into an exception clears it
            return call();
        }
        catch (VipsException e)
        {
            throw new ImagingException(Describe(what, e.Message));
        }
        finally
        {
            Gate.ExitWriteLock();
        }
    }

    /// <summary>libvips' lines ("VipsJpeg: Premature end of JPEG file", ...) as one readable sentence.</summary>
    private static string Describe(string what, string message)
    {
        // The first line is NetVips' own ("unable to call thumbnail_source"), the rest libvips' buffer.
        var lines = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        lines = [.. (lines.Length > 1 ? lines[1..] : lines).Distinct().Take(3)];
        var detail = string.Join("; ", lines);
        if (detail.Length > 300)
        {
            detail = detail[..300] + "...";
        }
        return detail.Length == 0 ? what : $"{what}: {detail}";
    }

    // Kept out of Start so that the NetVips assembly (whose module initialiser starts libvips) loads
    // only after VIPSHOME is set.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Initialise(Action<string> warnings)
    {
        if (!ModuleInitializer.VipsInitialized)
        {
            throw new InvalidOperationException(ModuleInitializer.Exception?.Message ?? "libvips did not start");
        }
        Log.SetLogHandler(
            "VIPS",
            Enums.LogLevelFlags.Warning | Enums.LogLevelFlags.Message | Enums.LogLevelFlags.Info,
            (_, _, message) => warnings(message)
        );
        // A long-running worker: the operation cache would only hold decoded photos we never reuse.
        Cache.Max = 0;
        Cache.MaxMem = 0;
        Cache.MaxFiles = 0;
        Operation.Block("VipsForeignLoad", true);
        foreach (var loader in AllowedLoaders)
        {
            Operation.Block(loader, false);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void SetThreads(int threads) => NetVips.NetVips.Concurrency = threads;

    /// <summary>A private folder with links to the allowed modules, as VIPSHOME; returns the folder.</summary>
    private static string RestrictModules()
    {
        var home = Directory.CreateTempSubdirectory("tagworker-vips-").FullName; // mkdtemp: a new name, mode 700
        var system = LibraryFolders
            .Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateDirectories(d, "vips-modules-*"))
            .FirstOrDefault();
        if (system is not null)
        {
            // Debian's libvips looks in $VIPSHOME/<multiarch>/vips-modules-X.Y, other builds in $VIPSHOME/lib/...
            foreach (var lib in new[] { "lib", Path.GetFileName(Path.GetDirectoryName(system)!) }.Distinct())
            {
                var modules = Directory.CreateDirectory(Path.Combine(home, lib, Path.GetFileName(system))).FullName;
                foreach (var module in AllowedModules.Where(m => File.Exists(Path.Combine(system, m))))
                {
                    File.CreateSymbolicLink(Path.Combine(modules, module), Path.Combine(system, module));
                }
            }
        }
        // .NET keeps its own copy of the environment: libvips reads the C library's.
        if (SetEnv("VIPSHOME", home, 1) != 0)
        {
            throw new InvalidOperationException("cannot set VIPSHOME");
        }
        return home;
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}

public sealed class ImagingException(string message) : Exception(message);
