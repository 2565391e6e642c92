using System.Runtime.InteropServices;

namespace TagWorker.Imaging;

/// <summary>
/// The part of libvips' C API TagWorker uses, bound by hand (NetVips is not available here).
/// Debian's runtime packages ship only versioned sonames, so the libraries are loaded by those
/// names. Optional arguments are passed as C varargs; only int and pointer values are ever passed
/// that way, which the x64 and arm64 Linux calling conventions handle like ordinary arguments.
/// </summary>
internal static unsafe class Vips
{
    public const int SizeDown = 2;          // VIPS_SIZE_DOWN
    public const int InterpretationSrgb = 22;
    public const int FormatUchar = 0;

    private static readonly Lock ErrorLock = new();

    public static readonly delegate* unmanaged<nint, nuint, byte*, nint, nint> ImageNewFromBuffer;
    public static readonly delegate* unmanaged<nint, nuint, nint*, int, byte*, int, byte*, int, byte*, byte*, nint, int> ThumbnailBuffer;
    public static readonly delegate* unmanaged<nint, nint*, int, nint, int> Colourspace;
    public static readonly delegate* unmanaged<nint, nint*, int, nint, int> Cast;
    public static readonly delegate* unmanaged<nint, nint*, int, byte*, int, nint, int> ExtractBand;
    public static readonly delegate* unmanaged<nint, int> GetWidth;
    public static readonly delegate* unmanaged<nint, int> GetHeight;
    public static readonly delegate* unmanaged<nint, int> GetBands;
    public static readonly delegate* unmanaged<nint, int> GetFormat;
    public static readonly delegate* unmanaged<nint, int> GetInterpretation;
    public static readonly delegate* unmanaged<nint, int> HasAlpha;
    public static readonly delegate* unmanaged<nint, byte*, int*, int> GetInt;
    public static readonly delegate* unmanaged<nint, byte*, byte**, int> GetString;
    public static readonly delegate* unmanaged<nint, byte*, nuint> GetTypeOf;
    public static readonly delegate* unmanaged<nint, nuint*, nint> WriteToMemory;
    public static readonly delegate* unmanaged<void*, nuint, int, int, int, int, nint> NewFromMemoryCopy;
    public static readonly delegate* unmanaged<nint, nint*, nuint*, byte*, int, byte*, int, nint, int> JpegSaveBuffer;
    public static readonly delegate* unmanaged<nint> ErrorBuffer;
    public static readonly delegate* unmanaged<void> ErrorClear;
    public static readonly delegate* unmanaged<nint, void> Unref;
    public static readonly delegate* unmanaged<nint, void> Free;

    /// <summary>The only libvips plugin modules TagWorker lets in: HEIF/AVIF and JPEG XL.</summary>
    private static readonly string[] AllowedModules = ["vips-heif.so", "vips-jxl.so"];

    private static readonly string[] LibraryFolders = ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/lib"];

    static Vips()
    {
        RestrictModules();
        var vips = Load("libvips.so.42");
        var gobject = Load("libgobject-2.0.so.0");
        var glib = Load("libglib-2.0.so.0");
        var init = (delegate* unmanaged<byte*, int>)NativeLibrary.GetExport(vips, "vips_init");
        fixed (byte* name = "tagworker\0"u8)
        {
            if (init(name) != 0)
            {
                throw new ImagingException("libvips failed to start");
            }
        }
        // A long-running worker: libvips' operation cache would only hold decoded photos we never reuse.
        ((delegate* unmanaged<int, void>)NativeLibrary.GetExport(vips, "vips_cache_set_max"))(0);
        Concurrency = (delegate* unmanaged<int, void>)NativeLibrary.GetExport(vips, "vips_concurrency_set");

        ImageNewFromBuffer = (delegate* unmanaged<nint, nuint, byte*, nint, nint>)NativeLibrary.GetExport(vips, "vips_image_new_from_buffer");
        ThumbnailBuffer = (delegate* unmanaged<nint, nuint, nint*, int, byte*, int, byte*, int, byte*, byte*, nint, int>)NativeLibrary.GetExport(vips, "vips_thumbnail_buffer");
        Colourspace = (delegate* unmanaged<nint, nint*, int, nint, int>)NativeLibrary.GetExport(vips, "vips_colourspace");
        Cast = (delegate* unmanaged<nint, nint*, int, nint, int>)NativeLibrary.GetExport(vips, "vips_cast");
        ExtractBand = (delegate* unmanaged<nint, nint*, int, byte*, int, nint, int>)NativeLibrary.GetExport(vips, "vips_extract_band");
        GetWidth = (delegate* unmanaged<nint, int>)NativeLibrary.GetExport(vips, "vips_image_get_width");
        GetHeight = (delegate* unmanaged<nint, int>)NativeLibrary.GetExport(vips, "vips_image_get_height");
        GetBands = (delegate* unmanaged<nint, int>)NativeLibrary.GetExport(vips, "vips_image_get_bands");
        GetFormat = (delegate* unmanaged<nint, int>)NativeLibrary.GetExport(vips, "vips_image_get_format");
        GetInterpretation = (delegate* unmanaged<nint, int>)NativeLibrary.GetExport(vips, "vips_image_get_interpretation");
        HasAlpha = (delegate* unmanaged<nint, int>)NativeLibrary.GetExport(vips, "vips_image_hasalpha");
        GetInt = (delegate* unmanaged<nint, byte*, int*, int>)NativeLibrary.GetExport(vips, "vips_image_get_int");
        GetString = (delegate* unmanaged<nint, byte*, byte**, int>)NativeLibrary.GetExport(vips, "vips_image_get_string");
        GetTypeOf = (delegate* unmanaged<nint, byte*, nuint>)NativeLibrary.GetExport(vips, "vips_image_get_typeof");
        WriteToMemory = (delegate* unmanaged<nint, nuint*, nint>)NativeLibrary.GetExport(vips, "vips_image_write_to_memory");
        NewFromMemoryCopy = (delegate* unmanaged<void*, nuint, int, int, int, int, nint>)NativeLibrary.GetExport(vips, "vips_image_new_from_memory_copy");
        JpegSaveBuffer = (delegate* unmanaged<nint, nint*, nuint*, byte*, int, byte*, int, nint, int>)NativeLibrary.GetExport(vips, "vips_jpegsave_buffer");
        ErrorBuffer = (delegate* unmanaged<nint>)NativeLibrary.GetExport(vips, "vips_error_buffer");
        ErrorClear = (delegate* unmanaged<void>)NativeLibrary.GetExport(vips, "vips_error_clear");
        Unref = (delegate* unmanaged<nint, void>)NativeLibrary.GetExport(gobject, "g_object_unref");
        Free = (delegate* unmanaged<nint, void>)NativeLibrary.GetExport(glib, "g_free");
    }

    public static readonly delegate* unmanaged<int, void> Concurrency;

    /// <summary>Forces the binding to load now, with a message that says what to install if it cannot.</summary>
    public static void EnsureLoaded()
    {
        try
        {
            System.Runtime.CompilerServices.RuntimeHelpers.RunClassConstructor(typeof(Vips).TypeHandle);
        }
        catch (TypeInitializationException e)
        {
            throw new ImagingException($"libvips is not usable ({e.InnerException?.Message}); install Debian's libvips42 (scripts/setup does)");
        }
    }

    /// <summary>Turns libvips' last error into an exception and clears it.</summary>
    public static ImagingException Error(string what)
    {
        lock (ErrorLock)
        {
            var message = Marshal.PtrToStringUTF8(ErrorBuffer())?.Trim();
            ErrorClear();
            return new ImagingException(string.IsNullOrEmpty(message) ? what : $"{what}: {message.Replace('\n', ' ')}");
        }
    }

    /// <summary>
    /// libvips loads every module in its folder at start, with global symbols. Debian's openslide
    /// module brings the system libsqlite3, whose symbols then override the SQLite that
    /// Microsoft.Data.Sqlite bundles (a crash on the next connection); ImageMagick and poppler
    /// would widen what an untrusted file can reach. So libvips gets its own folder (VIPSHOME)
    /// holding links to the allowed modules only.
    /// </summary>
    private static void RestrictModules()
    {
        var system = LibraryFolders
            .Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateDirectories(d, "vips-modules-*"))
            .FirstOrDefault();
        var home = Path.Combine(Path.GetTempPath(), $"tagworker-vips-{Environment.UserName}");
        // Debian's libvips looks in $VIPSHOME/<multiarch>/vips-modules-X.Y, others in $VIPSHOME/lib/...
        foreach (var lib in system is null ? [] : new[] { "lib", Path.GetFileName(Path.GetDirectoryName(system)!) }.Distinct())
        {
            var modules = Path.Combine(home, lib, Path.GetFileName(system!));
            Directory.CreateDirectory(modules);
            foreach (var stale in Directory.EnumerateFileSystemEntries(modules).Where(f => !AllowedModules.Contains(Path.GetFileName(f))))
            {
                File.Delete(stale);
            }
            foreach (var module in AllowedModules.Where(m => File.Exists(Path.Combine(system!, m))))
            {
                var link = Path.Combine(modules, module);
                if (!File.Exists(link))
                {
                    File.CreateSymbolicLink(link, Path.Combine(system!, module));
                }
            }
        }
        var libc = NativeLibrary.Load("libc.so.6");
        var setenv = (delegate* unmanaged<byte*, byte*, int, int>)NativeLibrary.GetExport(libc, "setenv");
        var value = Marshal.StringToCoTaskMemUTF8(home);
        try
        {
            fixed (byte* name = "VIPSHOME\0"u8)
            {
                setenv(name, (byte*)value, 1);
            }
        }
        finally
        {
            Marshal.FreeCoTaskMem(value);
        }
    }

    private static nint Load(string soname) =>
        NativeLibrary.TryLoad(soname, out var handle) ? handle : throw new DllNotFoundException($"{soname} not found");
}

public sealed class ImagingException(string message) : Exception(message);
