using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using SessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;

namespace TagWorker.Inference;

/// <summary>
/// Opens models with ONNX Runtime (the official package) and the settings measured for a small CPU:
/// one intra-op thread by default (threads never spin: on two cores a spinning pool steals the
/// decode thread's core), sequential execution, every graph optimisation, and one memory arena shared
/// by every open session, with memory patterns (each run's activations planned once and placed in
/// memory already faulted in). The arena lives while a session using it is open: closing the last one
/// (the idle release) frees it.
/// </summary>
public sealed partial class OnnxRuntime(IOptions<InferenceOptions> options)
{
    private readonly InferenceOptions _options = options.Value;

    // The arena belongs to ONNX Runtime's environment, one per process, so its users are counted per process.
    private static readonly Lock ArenaLock = new();
    private static int _arenaUsers;

    /// <summary>
    /// ONNX Runtime's telemetry is off: a photo library's worker tells nobody anything. Since 1.29 the Linux build
    /// uploads a ProcessInfo event and keeps a device id when its environment starts, unless ORT_DISABLE_TELEMETRY
    /// (ORT_TELEMETRY_DISABLED in later releases) is in the process environment by then: .NET's own
    /// SetEnvironmentVariable does not reach native code, so it goes in through libc (the launcher and image set it
    /// too).
    /// </summary>
    private static readonly Lazy<bool> Private = new(() =>
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            _ = SetEnv("ORT_DISABLE_TELEMETRY", "1", 1);
            _ = SetEnv("ORT_TELEMETRY_DISABLED", "1", 1);
        }
        OrtEnv.Instance().DisableTelemetryEvents();
        return true;
    });

    [System.Runtime.InteropServices.LibraryImport(
        "libc",
        EntryPoint = "setenv",
        StringMarshalling = System.Runtime.InteropServices.StringMarshalling.Utf8
    )]
    private static partial int SetEnv(string name, string value, int overwrite);

    public OnnxModel Open(string modelPath)
    {
        _ = Private.Value;
        if (!File.Exists(modelPath))
        {
            throw new OnnxException($"model file {modelPath} not found (run models/fetch)");
        }
        using var settings = new SessionOptions
        {
            IntraOpNumThreads = _options.IntraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            EnableCpuMemArena = _options.CpuArena,
            EnableMemoryPattern = _options.CpuArena,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        settings.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        settings.AddSessionConfigEntry("session.inter_op.allow_spinning", "0");
        if (_options.CpuArena)
        {
            settings.AddSessionConfigEntry("session.use_env_allocators", "1");
            TakeArena();
        }
        InferenceSession session;
        try
        {
            session = new InferenceSession(modelPath, settings);
        }
        catch (Exception e)
        {
            if (_options.CpuArena)
            {
                ReturnArena();
            }
            if (e is OnnxRuntimeException)
            {
                throw new OnnxException($"cannot load model {Path.GetFileName(modelPath)}: {e.Message}");
            }
            throw;
        }
        // The model closes the session and returns the arena when disposed, or at once if it refuses the model.
        return new OnnxModel(session, Path.GetFileName(modelPath), _options.CpuArena ? ReturnArena : null);
    }

    /// <summary>
    /// One arena for all sessions instead of one each: a session's own arena keeps its own peak (three models, two
    /// workers: +90 MB on the bench), a shared one only the largest runs in progress at once (+25 MB).
    /// </summary>
    private static void TakeArena()
    {
        lock (ArenaLock)
        {
            if (_arenaUsers == 0)
            {
                using var cpu = CpuArenaInfo();
                // ONNX Runtime's defaults: no limit, each new region the next power of two.
                using var growth = new OrtArenaCfg(maxMemory: 0, arenaExtendStrategy: 0, -1, -1);
                OrtEnv.Instance().CreateAndRegisterAllocator(cpu, growth);
            }
            _arenaUsers++;
        }
    }

    /// <summary>A session using the arena has closed; the last one frees it (ONNX Runtime keeps it alive while a
    /// session holds it).</summary>
    private static void ReturnArena()
    {
        lock (ArenaLock)
        {
            if (--_arenaUsers == 0)
            {
                using var cpu = CpuArenaInfo();
                OrtEnv.Instance().UnregisterAllocator(cpu);
            }
        }
    }

    private static OrtMemoryInfo CpuArenaInfo() =>
        new(OrtMemoryInfo.allocatorCPU, OrtAllocatorType.ArenaAllocator, 0, OrtMemType.Default);
}

public sealed class OnnxException(string message) : Exception(message);
