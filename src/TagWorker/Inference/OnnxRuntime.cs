using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using SessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;

namespace TagWorker.Inference;

/// <summary>
/// Opens models with ONNX Runtime (the official package) and the settings measured for a small CPU:
/// one intra-op thread by default (threads never spin: on two cores a spinning pool steals the
/// decode thread's core), sequential execution, every graph optimisation, and the CPU arena off
/// unless asked for (an arena keeps its peak allocation for good).
/// </summary>
public sealed partial class OnnxRuntime(IOptions<InferenceOptions> options)
{
    private readonly InferenceOptions _options = options.Value;

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
        try
        {
            return new OnnxModel(new InferenceSession(modelPath, settings), Path.GetFileName(modelPath));
        }
        catch (OnnxRuntimeException e)
        {
            throw new OnnxException($"cannot load model {Path.GetFileName(modelPath)}: {e.Message}");
        }
    }
}

public sealed class OnnxException(string message) : Exception(message);
