using System.Globalization;
using System.Runtime.InteropServices;

namespace TagWorker.Hosting;

/// <summary>This process's memory as the kernel counts it, and a way to give memory back after a burst of
/// work.</summary>
public static partial class ProcessMemory
{
    /// <summary>Peak resident memory of this process (VmHWM), in MB.</summary>
    public static double PeakMb() => StatusMb("VmHWM:");

    /// <summary>Resident memory now (VmRSS), in MB.</summary>
    public static double ResidentMb() => StatusMb("VmRSS:");

    /// <summary>
    /// Returns freed memory to the system: a compacting collection of the managed heap (large objects
    /// included), then glibc's malloc_trim for what native code (libvips, ONNX Runtime) freed but
    /// the allocator kept. Costs tens of milliseconds; for the ends of large passes and idle times.
    /// The code pages of <paramref name="idleLibraries"/> (names as in /proc/self/maps) are handed
    /// back too (MADV_PAGEOUT: clean pages of the file, read again from the page cache when next run).
    /// </summary>
    public static void GiveBack(IReadOnlyList<string>? idleLibraries = null)
    {
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System
            .Runtime
            .GCLargeObjectHeapCompactionMode
            .CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        if (OperatingSystem.IsLinux())
        {
            try
            {
                _ = MallocTrim(0);
            }
            catch (EntryPointNotFoundException)
            {
                // Not glibc (musl): nothing to trim.
            }
            PageOut(idleLibraries ?? []);
        }
    }

    private static void PageOut(IReadOnlyList<string> libraries)
    {
        if (libraries.Count == 0 || !File.Exists("/proc/self/maps"))
        {
            return;
        }
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            // "start-end perms offset dev inode path": only mappings of the named files.
            var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (
                fields.Length < 6
                || !libraries.Any(l => Path.GetFileName(fields[5]).StartsWith(l, StringComparison.Ordinal))
            )
            {
                continue;
            }
            var range = fields[0].Split('-');
            var start = nint.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var end = nint.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            _ = MAdvise(
                start,
                (nuint)(end - start),
                21 /* MADV_PAGEOUT, Linux 5.4+; older kernels refuse it */
            );
        }
    }

    /// <summary>
    /// How glibc's malloc serves native code (libvips, ONNX Runtime), set once at start:
    /// <list type="bullet">
    /// <item>One arena for the threads that start from now on (M_ARENA_MAX; the launcher and the image also set
    /// MALLOC_ARENA_MAX=1 so it holds from the first thread). By default every thread that allocates gets its own
    /// arena, and each decode and inference thread then keeps its own peak of libvips buffers and ONNX Runtime
    /// activations: on the bench library with two workers, one arena took the peak from 468-514 MB to 374 MB and
    /// was faster (freed memory is reused by the next thread instead of faulted in fresh).</item>
    /// <item>Blocks up to 32 MB come from that heap, not from their own mapping (M_MMAP_THRESHOLD), and up to 64 MB
    /// free at its top stay (M_TRIM_THRESHOLD): libvips' buffers (and ONNX Runtime's activations, when its shared
    /// arena is turned off) are allocated afresh for every photo, and each fresh mapping is faulted in and zeroed by
    /// the kernel again, 4 % of the bench's CPU in page faults. Measured on the bench library before the shared arena
    /// (2 runs each, alternated): 8.94-8.96 -> 9.20-9.34 photos/s, peak RSS 358-364 -> 355-372 MB. <see
    /// cref="GiveBack"/> still trims all at idle.</item>
    /// </list>
    /// </summary>
    public static void TuneNativeHeap()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        const int ArenaMax = -8,
            MmapThreshold = -3,
            TrimThreshold = -1; // mallopt's M_* options
        try
        {
            _ = MallOpt(ArenaMax, 1);
            _ = MallOpt(MmapThreshold, 32 << 20);
            _ = MallOpt(TrimThreshold, 64 << 20);
        }
        catch (EntryPointNotFoundException)
        {
            // Not glibc (musl has neither arenas to limit nor these thresholds).
        }
    }

    private static double StatusMb(string field)
    {
        var line = File.Exists("/proc/self/status")
            ? File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal))
            : null;
        var kb = line is null
            ? Environment.WorkingSet / 1024
            : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        return Math.Round(kb / 1024.0, 1);
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int MAdvise(nint address, nuint length, int advice);

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int MallOpt(int option, int value);

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
